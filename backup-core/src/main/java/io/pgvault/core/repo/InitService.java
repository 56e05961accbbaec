package io.pgvault.core.repo;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.crypt.KeyCheck;
import io.pgvault.core.crypt.MasterKey;
import io.pgvault.core.crypt.Passphrase;
import io.pgvault.core.pg.PgConnectionSettings;
import io.pgvault.core.pg.PgSession;
import io.pgvault.storage.ContainerProvisioning;
import io.pgvault.storage.StorageException;
import java.time.Instant;

/**
 * {@code pgvault init}: binds a cluster name in the repository to the PostgreSQL cluster the connection reaches
 * (system identifier, version, WAL segment size). Running it again for the same cluster is harmless; for another
 * cluster it is refused. With {@code encrypt}, a new binding gets a random master key wrapped under the repository's
 * passphrase; whether a cluster is encrypted is decided here, once.
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
        return init(connection, false);
    }

    /**
     * @param encrypt create an encrypted binding (the repository must have been opened with a passphrase)
     */
    public Result init(PgConnectionSettings connection, boolean encrypt) {
        Passphrase passphrase = repository.passphrase();
        if (encrypt && passphrase == null) {
            throw new PgVaultException(ErrorCode.KEY, "init --encrypt needs a passphrase: set PGVAULT_PASSPHRASE,"
                    + " the config key passphrase, or --passphrase-file FILE");
        }
        ClusterInfo fresh;
        try (PgSession session = PgSession.open(connection)) {
            fresh = new ClusterInfo(ClusterInfo.FORMAT, repository.layout().cluster(), session.systemIdentifier(),
                    session.versionNum(), session.walSegmentSize().bytes(), Instant.now(), null);
        }
        if (encrypt) {
            fresh = fresh.withKeyCheck(KeyCheck.seal(MasterKey.generate(), passphrase, KeyCheck.DEFAULT_ITERATIONS));
        } else if (passphrase != null && repository.clusterInfo().isEmpty()) {
            throw new PgVaultException(ErrorCode.KEY, "a passphrase was given but not --encrypt: add --encrypt (or"
                    + " encrypt: true) to create an encrypted repository, or unset the passphrase");
        }
        try {
            boolean containerCreated = repository.storage() instanceof ContainerProvisioning p && p.ensureContainer();
            if (repository.createClusterInfo(fresh)) {
                return new Result(fresh, true, containerCreated);
            }
            ClusterInfo existing = repository.requireClusterInfo();
            if (encrypt && !existing.encrypted()) {
                throw new PgVaultException(ErrorCode.REFUSED, "cluster '" + existing.cluster() + "' was initialized"
                        + " without encryption and stays so; encrypt another --cluster name or repository");
            }
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
            repository.masterKey(); // proves the passphrase of an encrypted binding, refuses one for a plain one
            return new Result(existing, false, containerCreated);
        } catch (StorageException e) {
            throw Repository.translate(e);
        }
    }
}
