package io.pgvault.core.repo;

import java.time.Instant;
import java.util.Objects;

/**
 * {@code <cluster>/cluster.json}: binds a repository's cluster name to one PostgreSQL cluster.
 *
 * @param format           repository format version
 * @param cluster          the cluster's name in the repository
 * @param systemIdentifier PostgreSQL's system identifier (unsigned 64-bit, decimal)
 * @param pgVersionNum     server_version_num at init, e.g. 150018
 * @param walSegmentSize   WAL segment size in bytes
 * @param createdAt        when init ran
 * @param keyCheck         encryption key check; null for an unencrypted repository
 */
public record ClusterInfo(int format, String cluster, String systemIdentifier, int pgVersionNum, long walSegmentSize,
                          Instant createdAt, String keyCheck) {

    public static final int FORMAT = 1;

    public ClusterInfo {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(systemIdentifier, "systemIdentifier");
    }

    public int pgMajor() {
        return pgVersionNum / 10000;
    }
}
