package io.pgvault.restore;

import io.pgvault.core.manifest.BackupManifest;

/**
 * What a restore wrote.
 *
 * @param backup   the backup restored
 * @param files    files written
 * @param bytes    bytes written
 * @param settings recovery settings written to postgresql.auto.conf
 */
public record RestoreResult(BackupManifest backup, int files, long bytes, java.util.Map<String, String> settings) {
}
