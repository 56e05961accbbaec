package io.pgvault.core;

/**
 * Every failure pgvault reports, with a stable process exit code. The codes are documented in the README; never
 * renumber them.
 */
public enum ErrorCode {
    /** wal-fetch: the requested file is not in the archive (the normal end of recovery). */
    WAL_NOT_IN_ARCHIVE(1),
    /** Bad command line: unknown flag, missing argument. */
    USAGE(2),
    /** Bad configuration: unknown key, bad value, missing required setting. */
    CONFIG(3),
    /** A request refused before anything changed: non-empty data directory, running server, target out of range. */
    REFUSED(4),
    /** Something named does not exist: repository not initialized, unknown backup id. */
    NOT_FOUND(5),
    /** The repository storage failed (after retries) or refused access. */
    STORAGE(6),
    /** PostgreSQL could not be reached or refused a statement. */
    POSTGRES(7),
    /** A WAL file is already archived with different content; nothing was overwritten. */
    WAL_CONFLICT(8),
    /** Data in the repository or a restored file failed a checksum or could not be parsed. */
    DAMAGED(9),
    /** Waited too long, e.g. for WAL to reach the archive. */
    TIMEOUT(10),
    /** Another pgvault process holds the lock for this work. */
    LOCKED(11),
    /** The repository belongs to another cluster (different system identifier). */
    WRONG_CLUSTER(12),
    /** A local file operation failed (disk full, permission). */
    LOCAL_IO(13),
    /** A bug: please report it with the output of --debug. */
    INTERNAL(70),
    /** Managed recovery ended before the recovery target was reached (a WAL gap, a target that never came). */
    TARGET_NOT_REACHED(14),
    /** A standby replayed past the point where the newest timeline branched off: it must be rebuilt. */
    STANDBY_DIVERGED(15),
    /** The encryption passphrase is missing or wrong (or given for a repository that is not encrypted). */
    KEY(16);

    private final int exitCode;

    ErrorCode(int exitCode) {
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
