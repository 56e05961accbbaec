package io.pgvault.core.retention;

import io.pgvault.core.info.RecoverableWindow;
import io.pgvault.core.pg.Lsn;
import io.pgvault.core.repo.BackupId;
import java.util.List;

/**
 * What expire removed, or with a dry run would remove.
 *
 * @param dryRun           true when nothing was changed
 * @param policy           the retention applied, e.g. {@code 2 full backups and 7 days}
 * @param decisions        every backup with whether it stays and why
 * @param expiredBackups   backups removed
 * @param keptBackups      backups that stay
 * @param walFiles         archived WAL files removed (segments, partial segments, backup history files)
 * @param walBytes         their stored bytes
 * @param walCutoff        WAL before this LSN is removed (the earliest start of a kept backup); null when none kept
 * @param orphanedPrefixes backup ids whose objects had no manifest (left by an interrupted backup or expire), removed
 * @param window           the recoverable window afterwards; null when there is none
 */
public record ExpireReport(boolean dryRun, String policy, List<RetentionPlan.Decision> decisions,
                           List<BackupId> expiredBackups, List<BackupId> keptBackups, int walFiles, long walBytes,
                           Lsn walCutoff, List<String> orphanedPrefixes, RecoverableWindow window) {
}
