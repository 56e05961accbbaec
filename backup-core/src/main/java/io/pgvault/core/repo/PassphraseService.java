package io.pgvault.core.repo;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.crypt.KeyCheck;
import io.pgvault.core.crypt.MasterKey;
import io.pgvault.core.crypt.Passphrase;
import io.pgvault.storage.StorageException;
import java.util.List;

/**
 * {@code pgvault passphrase change}: re-wraps the repository's master key under a new passphrase. Only cluster.json
 * changes; every data key, and so every object, stays as it is.
 *
 * <p>The old binding is first copied to {@code cluster.json.previous}; cluster.json is then replaced in one object
 * write (which every adapter makes visible only when complete), read back and opened with the new passphrase. Only
 * then is the copy deleted. If the read-back fails, the old binding is written back; if the process dies in
 * between, cluster.json is either wholly old or wholly new, and the copy still opens with the old passphrase.
 */
public final class PassphraseService {

    private final Repository repository;
    private final int iterations;

    public PassphraseService(Repository repository) {
        this(repository, KeyCheck.DEFAULT_ITERATIONS);
    }

    /** @param iterations PBKDF2 iterations of the new key check */
    public PassphraseService(Repository repository, int iterations) {
        this.repository = repository;
        this.iterations = iterations;
    }

    /**
     * Re-wraps the master key under {@code next}; the repository must have been opened with the current passphrase.
     *
     * @throws PgVaultException KEY when the current passphrase is wrong, REFUSED when the cluster is not encrypted
     */
    public void change(Passphrase next) {
        RepositoryLayout layout = repository.layout();
        ClusterInfo current = repository.requireClusterInfo();
        if (!current.encrypted()) {
            throw new PgVaultException(ErrorCode.REFUSED, "cluster '" + layout.cluster() + "' is not encrypted;"
                    + " there is no passphrase to change (encryption is chosen at init)");
        }
        if (next.sameAs(repository.passphrase())) {
            throw new PgVaultException(ErrorCode.REFUSED, "the new passphrase is the same as the current one");
        }
        MasterKey master = repository.masterKey().orElseThrow();
        ClusterInfo updated = current.withKeyCheck(KeyCheck.seal(master, next, iterations));
        try {
            repository.writeClusterInfo(layout.previousClusterInfo(), current);
            repository.writeClusterInfo(layout.clusterInfo(), updated);
            MasterKey reread = new Repository(repository.storage(), layout.cluster(), next).masterKey()
                    .orElseThrow();
            if (!reread.sameAs(master)) {
                throw new IllegalStateException("the re-read key check opens another key");
            }
        } catch (RuntimeException e) {
            restore(current);
            if (e instanceof StorageException s) {
                throw Repository.translate(s);
            }
            throw new PgVaultException(ErrorCode.STORAGE, "the new key check of cluster '" + layout.cluster()
                    + "' could not be read back (" + e.getMessage() + "); the old passphrase still applies", e);
        }
        repository.storage().delete(List.of(layout.previousClusterInfo()));
    }

    private void restore(ClusterInfo current) {
        repository.writeClusterInfo(repository.layout().clusterInfo(), current);
    }
}
