package io.pgvault.core.repo;

import io.pgvault.core.crypt.KeyCheck;
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
 * @param keyCheck         the wrapped master key (the encryption key check); null for an unencrypted repository
 */
public record ClusterInfo(int format, String cluster, String systemIdentifier, int pgVersionNum, long walSegmentSize,
                          Instant createdAt, KeyCheck keyCheck) {

    public static final int FORMAT = 1;

    public ClusterInfo {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(systemIdentifier, "systemIdentifier");
    }

    /** True when the repository is encrypted (init --encrypt). */
    public boolean encrypted() {
        return keyCheck != null;
    }

    /** The same binding with another key check (a passphrase change). */
    public ClusterInfo withKeyCheck(KeyCheck check) {
        return new ClusterInfo(format, cluster, systemIdentifier, pgVersionNum, walSegmentSize, createdAt, check);
    }

    public int pgMajor() {
        return pgVersionNum / 10000;
    }
}
