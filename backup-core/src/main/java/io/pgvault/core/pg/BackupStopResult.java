package io.pgvault.core.pg;

/**
 * What pg_backup_stop returned.
 *
 * @param stopLsn       end of the backup
 * @param backupLabel   content for backup_label
 * @param tablespaceMap content for tablespace_map (null or empty without tablespaces)
 */
public record BackupStopResult(Lsn stopLsn, String backupLabel, String tablespaceMap) {
}
