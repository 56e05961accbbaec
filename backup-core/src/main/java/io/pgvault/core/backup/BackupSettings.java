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
 */
public record BackupSettings(Path pgdata, PgConnectionSettings connection, BackupType type, int jobs, Codec codec,
                             int compressLevel, Duration archiveTimeout, long bundleLimit, Duration lockWait,
                             boolean walStreamed) {

    public static final long DEFAULT_BUNDLE_LIMIT = 1024 * 1024;

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
