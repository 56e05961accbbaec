package io.pgvault.core.repo;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.pg.PgConnectionSettings;
import io.pgvault.core.pg.PgSession;
import io.pgvault.storage.ContainerProvisioning;
import io.pgvault.storage.StorageException;
import java.time.Instant;

/**
 * {@code pgvault init}: binds a cluster name in the repository to the PostgreSQL cluster the connection reaches
 * (system identifier, version, WAL segment size). Running it again for the same cluster is harmless; for another
 * cluster it is refused.
 */
public final class InitService {

    /** What init found or did. */
    public record Result(ClusterInfo cluster, boolean created, boolean containerCreated) {
    }

    private final Repository repository;

    public InitService(Repository repository) {
        this.repository = repository;
    }

    public Result init(PgConnectionSettings connection) {
        ClusterInfo fresh;
        try (PgSession session = PgSession.open(connection)) {
            fresh = new ClusterInfo(ClusterInfo.FORMAT, repository.layout().cluster(), session.systemIdentifier(),
                    session.versionNum(), session.walSegmentSize().bytes(), Instant.now(), null);
        }
        try {
            boolean containerCreated = repository.storage() instanceof ContainerProvisioning p && p.ensureContainer();
            if (repository.createClusterInfo(fresh)) {
                return new Result(fresh, true, containerCreated);
            }
            ClusterInfo existing = repository.requireClusterInfo();
            if (!existing.systemIdentifier().equals(fresh.systemIdentifier())) {
                throw new PgVaultException(ErrorCode.WRONG_CLUSTER, "cluster '" + existing.cluster()
                        + "' in this repository belongs to system " + existing.systemIdentifier()
                        + ", not to this server (" + fresh.systemIdentifier() + "); use another --cluster name");
            }
            if (existing.walSegmentSize() != fresh.walSegmentSize()) {
                throw new PgVaultException(ErrorCode.WRONG_CLUSTER, "cluster '" + existing.cluster()
                        + "' was initialized with " + existing.walSegmentSize() + "-byte WAL segments, the server has "
                        + fresh.walSegmentSize());
            }
            return new Result(existing, false, containerCreated);
        } catch (StorageException e) {
            throw Repository.translate(e);
        }
    }
}
