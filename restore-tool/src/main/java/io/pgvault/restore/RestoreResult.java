package io.pgvault.restore;

import io.pgvault.core.manifest.BackupManifest;
import java.util.Map;

/**
 * What a restore wrote.
 *
 * @param backup   the backup restored
 * @param files    files written
 * @param bytes    bytes written
 * @param settings recovery settings written to postgresql.auto.conf (primary_conninfo as given: mask it for display
 *                 with {@link Conninfo#maskedSettings})
 * @param delta    what a delta restore kept and removed; null for a restore into an empty directory
 */
public record RestoreResult(BackupManifest backup, int files, long bytes, Map<String, String> settings,
                            DeltaCounts delta) {

    /**
     * A delta restore's work.
     *
     * @param rewritten files written because they were missing or differed from the backup
     * @param removed   files and links removed because the backup does not have them
     * @param unchanged files left in place: same size and SHA-256 as in the backup
     */
    public record DeltaCounts(int rewritten, int removed, int unchanged) {
    }
}
