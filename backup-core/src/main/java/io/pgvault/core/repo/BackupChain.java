package io.pgvault.core.repo;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.manifest.BackupManifest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A backup and the ancestors its files refer to (parent, grandparent, ... down to a full backup), newest first.
 * A full backup's chain is itself.
 */
public record BackupChain(List<BackupManifest> manifests) {

    public BackupChain {
        manifests = List.copyOf(manifests);
    }

    /**
     * Loads the ancestors of {@code backup}.
     *
     * @throws PgVaultException DAMAGED naming the missing ancestor when a parent's manifest is gone
     */
    public static BackupChain of(RepositoryReader repository, BackupManifest backup) {
        List<BackupManifest> chain = new ArrayList<>(List.of(backup));
        Set<BackupId> seen = new HashSet<>(List.of(backup.id()));
        BackupManifest m = backup;
        while (m.parent() != null) {
            if (!seen.add(m.parent())) {
                throw new PgVaultException(ErrorCode.DAMAGED, "backup " + m.id() + " names " + m.parent()
                        + " as its parent, which loops back; run pgvault verify");
            }
            BackupManifest parent;
            try {
                parent = repository.backup(m.parent());
            } catch (PgVaultException e) {
                if (e.code() != ErrorCode.NOT_FOUND) {
                    throw e;
                }
                throw new PgVaultException(ErrorCode.DAMAGED, "backup " + backup.id() + " needs its parent backup "
                        + m.parent() + ", which is missing from the repository; restore another backup and run "
                        + "pgvault verify");
            }
            chain.add(parent);
            m = parent;
        }
        return new BackupChain(chain);
    }

    /** The backup itself. */
    public BackupManifest newest() {
        return manifests.get(0);
    }

    /** Each manifest of the chain by its id. */
    public Map<BackupId, BackupManifest> byId() {
        Map<BackupId, BackupManifest> map = new LinkedHashMap<>();
        manifests.forEach(m -> map.put(m.id(), m));
        return map;
    }
}
