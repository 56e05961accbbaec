package io.pgvault.core.backup;

import io.pgvault.core.pg.PgConnectionSettings;
import io.pgvault.core.repo.BackupType;
import io.pgvault.core.stream.Codec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * What a backup needs to know.
 *
 * @param pgdata          the data directory, read directly by the workers
 * @param connection      how to reach the server that holds the backup open
 * @param type            full, incremental or differential (see ParentSelector for the parent each builds on)
 * @param jobs            parallel workers
 * @param codec           compression
 * @param compressLevel   compression level (0 = codec default)
 * @param archiveTimeout  how long to wait for the backup's WAL to reach the archive
 * @param bundleLimit     files up to this size are bundled together rather than stored one object each
 * @param lockWait        how long to wait for another backup of the cluster to finish (zero: fail at once)
 * @param walStreamed     true when the agent streams the server's WAL over a replication slot, so the backup's WAL
 *                        reaches the archive even with archive_mode off
 * @param rangeSize       files larger than this are split into ranges of this size, copied by parallel workers into
 *                        an object each (0: never split)
 * @param pushWal         true: the backup pushes the finished WAL segments it needs itself (while the server's
 *                        archiver is healthy) instead of only waiting for archive_command to reach them
 */
public record BackupSettings(Path pgdata, PgConnectionSettings connection, BackupType type, int jobs, Codec codec,
                             int compressLevel, Duration archiveTimeout, long bundleLimit, Duration lockWait,
                             boolean walStreamed, long rangeSize, boolean pushWal) {

    public static final long DEFAULT_BUNDLE_LIMIT = 1024 * 1024;
    /** 128 MiB: a 1 GiB relation segment becomes 8 ranges, enough to keep every worker busy on a few big tables. */
    public static final long DEFAULT_RANGE_SIZE = 128L * 1024 * 1024;
    /** The smallest range: below it the per-object cost outweighs the parallelism. */
    public static final long MIN_RANGE_SIZE = 1024L * 1024;

    public BackupSettings {
        Objects.requireNonNull(pgdata, "pgdata");
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(codec, "codec");
        if (jobs < 1 || jobs > 128) {
            throw new IllegalArgumentException("jobs must be between 1 and 128, got " + jobs);
        }
        codec.checkLevel(compressLevel);
        Objects.requireNonNull(lockWait, "lockWait");
        if (lockWait.isNegative()) {
            throw new IllegalArgumentException("the lock wait must not be negative, got " + lockWait);
        }
        if (rangeSize != 0 && (rangeSize < MIN_RANGE_SIZE || rangeSize % 8192 != 0)) {
            throw new IllegalArgumentException("the range size must be 0 (never split) or a multiple of 8KiB of at"
                    + " least 1MiB, got " + rangeSize + " bytes");
        }
    }

    /** Settings with the default range size, pushing the backup's own WAL. */
    public BackupSettings(Path pgdata, PgConnectionSettings connection, BackupType type, int jobs, Codec codec,
                          int compressLevel, Duration archiveTimeout, long bundleLimit, Duration lockWait,
                          boolean walStreamed) {
        this(pgdata, connection, type, jobs, codec, compressLevel, archiveTimeout, bundleLimit, lockWait, walStreamed,
                DEFAULT_RANGE_SIZE, true);
    }

    /** Settings for a server whose WAL reaches the archive through archive_command. */
    public BackupSettings(Path pgdata, PgConnectionSettings connection, BackupType type, int jobs, Codec codec,
                          int compressLevel, Duration archiveTimeout, long bundleLimit, Duration lockWait) {
        this(pgdata, connection, type, jobs, codec, compressLevel, archiveTimeout, bundleLimit, lockWait, false);
    }

    /** Settings that fail at once when another backup of the cluster is running. */
    public BackupSettings(Path pgdata, PgConnectionSettings connection, BackupType type, int jobs, Codec codec,
                          int compressLevel, Duration archiveTimeout, long bundleLimit) {
        this(pgdata, connection, type, jobs, codec, compressLevel, archiveTimeout, bundleLimit, Duration.ZERO, false);
    }
}
