package io.pgvault.core.relation;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.pg.PgConnectionSettings;
import io.pgvault.core.repo.Repository;
import java.util.List;

/**
 * {@code pgvault relate add|remove|rotate|list|credentials}: one client at a time. The repository holds what each
 * client asked for; the server and the client's sink are brought in line with it. Every command that touches the
 * server refuses a standby before anything changes. See {@link RelationSync} for all clients at once.
 */
public final class RelationService {

    private final Repository repository;
    private final RelationStore store;

    public RelationService(Repository repository) {
        this.repository = repository;
        this.store = RelationStore.of(repository);
    }

    /**
     * Relates a new client: creates what it asks for, gives its login a fresh password, delivers the credentials to
     * its sink, then registers it. Running it again after a failure completes the work.
     *
     * @throws PgVaultException REFUSED when the app is already related or its login belongs to another relation
     */
    public ClientReport add(PgConnectionSettings connection, Relation relation, EndpointOptions endpoints) {
        if (store.find(relation.appName()).isPresent()) {
            throw new PgVaultException(ErrorCode.REFUSED, "relation '" + relation.app() + "' already exists: "
                    + "pgvault relate rotate " + relation.app() + " issues new credentials, relate remove drops it");
        }
        for (Relation other : store.list()) {
            if (other.login().equals(relation.login())) {
                throw new PgVaultException(ErrorCode.REFUSED, "login " + relation.login() + " is already used by "
                        + "relation '" + other.app() + "': ask for another --username");
            }
        }
        try (RelationRun run = open(connection, endpoints)) {
            ClientReport report = run.relate(relation, true, true, "added");
            if (!report.failed()) {
                store.save(relation);
            }
            return report;
        }
    }

    /** Gives the client's login a new password and delivers it (re-creating whatever is missing on the way). */
    public ClientReport rotate(PgConnectionSettings connection, AppName app, EndpointOptions endpoints) {
        Relation r = store.require(app);
        try (RelationRun run = open(connection, endpoints)) {
            return run.relate(r, true, true, "rotated");
        }
    }

    /**
     * Ends a relation: the login's objects go to its database's owner role (nothing is lost), its privileges are
     * revoked and it is dropped; the client's hook is told, its credentials file deleted, the relation unregistered.
     */
    public ClientReport remove(PgConnectionSettings connection, AppName app) {
        Relation r = store.require(app);
        try (RelationRun run = open(connection, EndpointOptions.DISCOVER)) {
            List<String> changes = new LoginRemoval(run.sessions()).drop(r.login());
            run.publisher().withdraw(r);
            store.delete(app);
            return new ClientReport(r.app(), r.login(), changes, List.of(), null, null);
        }
    }

    /** Every registered relation, by app name (the repository only; no server needed). */
    public List<Relation> list() {
        return store.list();
    }

    /**
     * The client's current credentials, with the password its sink holds and the endpoints as they are now.
     *
     * @throws PgVaultException NOT_FOUND when the sink holds no password that works any more
     */
    public Credentials credentials(PgConnectionSettings connection, AppName app, EndpointOptions endpoints) {
        Relation r = store.require(app);
        try (RelationRun run = open(connection, endpoints)) {
            String password = run.publisher().knownPassword(r).orElseThrow(() -> new PgVaultException(
                    ErrorCode.NOT_FOUND, "no credentials of '" + app + "' in " + r.sink().file()
                    + ": pgvault relate rotate " + app + " issues and delivers new ones"));
            String stored = run.sessions().main().value("SELECT rolpassword FROM pg_authid WHERE rolname = ?",
                    "read the password verifier of " + r.login(), r.login()).orElse(null);
            if (!PasswordVerifier.matches(stored, r.login(), password)) {
                throw new PgVaultException(ErrorCode.NOT_FOUND, "the password in " + r.sink().file()
                        + " no longer works for login " + r.login() + ": pgvault relate rotate " + app
                        + " issues and delivers a new one");
            }
            return run.credentials(r, password);
        }
    }

    private RelationRun open(PgConnectionSettings connection, EndpointOptions endpoints) {
        return RelationRun.open(connection, repository.requireClusterInfo(), endpoints,
                SyncOptions.DEFAULT_HOOK_TIMEOUT);
    }
}
