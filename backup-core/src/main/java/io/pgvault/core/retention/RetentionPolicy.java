package io.pgvault.core.retention;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;

/**
 * What expire keeps: the {@code retainFull} newest full backups (and everything newer), and/or every point in time
 * of the last {@code retainDays} days. With both, a backup is kept when either rule keeps it.
 *
 * @param retainFull full backups to keep, at least 1; null when not set
 * @param retainDays days of recoverable window to keep, at least 1; null when not set
 */
public record RetentionPolicy(Integer retainFull, Integer retainDays) {

    public RetentionPolicy {
        if (retainFull == null && retainDays == null) {
            throw new PgVaultException(ErrorCode.CONFIG, "no retention set: give --retain-full N (keep the N newest "
                    + "full backups) and/or --retain-days D (keep every point of the last D days), or set retain-full "
                    + "/ retain-days in the config file or PGVAULT_RETAIN_FULL / PGVAULT_RETAIN_DAYS");
        }
        if (retainFull != null && retainFull < 1) {
            throw new PgVaultException(ErrorCode.CONFIG, "retain-full must be at least 1, got " + retainFull
                    + " (expire never removes every full backup)");
        }
        if (retainDays != null && retainDays < 1) {
            throw new PgVaultException(ErrorCode.CONFIG, "retain-days must be at least 1, got " + retainDays);
        }
    }

    /** For messages: {@code 2 full backups and 7 days}. */
    public String describe() {
        String full = retainFull == null ? null : retainFull + " full backup" + (retainFull == 1 ? "" : "s");
        String days = retainDays == null ? null : retainDays + " day" + (retainDays == 1 ? "" : "s");
        return full == null ? days : days == null ? full : full + " and " + days;
    }
}
