package io.pgvault.core.relation;

import io.pgvault.core.PgVaultException;
import io.pgvault.core.pg.PgConnectionSettings;
import io.pgvault.core.repo.RepositoryReader;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Re-applies every registered relation to the server — what runs after a restore, once the server is promoted:
 * missing logins are created, passwords rotated (unless kept), roles granted, extensions ensured, objects owned by
 * logins handed to their database's owner role; logins of relations no longer registered (e.g. removed after the
 * restore target) have their objects handed over and are dropped. Then every client whose credentials or endpoints
 * changed is told, through its sink. Each step is checked before it is done, so a sync that failed half-way is
 * completed by running it again; a second sync with {@code rotatePasswords = false} changes nothing.
 *
 * <p>Reads the repository only. Refuses a standby (REFUSED) before anything changes.
 */
public final class RelationSync {

    private final RepositoryReader repository;

    public RelationSync(RepositoryReader repository) {
        this.repository = repository;
    }

    /**
     * Syncs every relation of the repository's cluster to the server {@code connection} reaches.
     *
     * @param connection a superuser login on the (promoted) primary
     * @return one report per client; failures of single clients are in the report, not thrown
     * @throws PgVaultException when the server cannot be used at all: unreachable (POSTGRES), a standby or not a
     *                          superuser (REFUSED), another cluster (WRONG_CLUSTER), repository failures
     */
    public SyncReport sync(PgConnectionSettings connection, SyncOptions options) {
        RelationStore store = RelationStore.of(repository);
        List<Relation> relations = store.list();
        try (RelationRun run = RelationRun.open(connection, repository.requireClusterInfo(), options.endpoints(),
                options.hookTimeout())) {
            List<ClientReport> reports = new ArrayList<>();
            for (Relation r : relations) {
                reports.add(run.relate(r, options.rotatePasswords(), false, "sync"));
            }
            reports.addAll(dropStaleLogins(run, store.cluster(), relations));
            return new SyncReport(reports, run.notes());
        }
    }

    private static List<ClientReport> dropStaleLogins(RelationRun run, String cluster, List<Relation> relations) {
        Set<String> registered = new HashSet<>();
        relations.forEach(r -> registered.add(r.login()));
        LoginRemoval removal = new LoginRemoval(run.sessions());
        List<ClientReport> reports = new ArrayList<>();
        for (List<String> login : removal.managedLogins(cluster)) {
            if (registered.contains(login.get(0))) {
                continue;
            }
            String app = login.get(1);
            try {
                List<String> changes = new ArrayList<>(List.of("no longer related"));
                changes.addAll(removal.drop(login.get(0)));
                reports.add(new ClientReport(app, login.get(0), changes, List.of(), null, null));
            } catch (PgVaultException e) {
                reports.add(ClientReport.failed(app, login.get(0), List.of(), e.code(), e.getMessage()));
            }
        }
        return reports;
    }
}
