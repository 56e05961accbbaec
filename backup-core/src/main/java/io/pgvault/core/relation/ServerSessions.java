package io.pgvault.core.relation;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.pg.PgConnectionSettings;
import io.pgvault.core.pg.PgSession;
import io.pgvault.core.repo.ClusterInfo;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The sessions one relate command uses: one to the maintenance database for roles and databases, and one per
 * client database for extensions, schema grants and ownership, opened on first use. Opened only on a primary
 * that belongs to the repository's cluster, as a superuser. Not thread-safe.
 */
final class ServerSessions implements AutoCloseable {

    private final PgConnectionSettings settings;
    private final Sql main;
    private final Map<String, Sql> byDatabase = new LinkedHashMap<>();

    private ServerSessions(PgConnectionSettings settings, Sql main) {
        this.settings = settings;
        this.main = main;
    }

    /**
     * Connects and checks, before anything changes, that the server is a primary of the repository's cluster and
     * that the login is a superuser.
     *
     * @throws PgVaultException REFUSED for a standby or a login without superuser, WRONG_CLUSTER for another cluster
     */
    static ServerSessions openPrimary(PgConnectionSettings settings, ClusterInfo cluster) {
        PgSession session = PgSession.open(settings);
        ServerSessions s = new ServerSessions(settings, new Sql(session, settings.database()));
        try {
            String where = settings.host() + ":" + settings.port();
            if (session.isInRecovery()) {
                throw new PgVaultException(ErrorCode.REFUSED, "the server at " + where
                        + " is a standby (in recovery): relate clients on the primary");
            }
            if (!session.systemIdentifier().equals(cluster.systemIdentifier())) {
                throw new PgVaultException(ErrorCode.WRONG_CLUSTER, "the server at " + where + " is system "
                        + session.systemIdentifier() + ", but cluster '" + cluster.cluster()
                        + "' in this repository belongs to system " + cluster.systemIdentifier());
            }
            boolean superuser = "t".equals(s.main.value("SELECT rolsuper FROM pg_roles WHERE rolname = current_user",
                    "check the login's rights").orElse("f"));
            if (!superuser) {
                throw new PgVaultException(ErrorCode.REFUSED, "relate needs a superuser login: " + settings.user()
                        + " is not one (use --pg-user, e.g. the operator set up by pgvault set-password)");
            }
            return s;
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    PgConnectionSettings settings() {
        return settings;
    }

    /** The session on the maintenance database (--pg-database). */
    Sql main() {
        return main;
    }

    /** A session on the given database. */
    Sql in(String database) {
        if (database.equals(settings.database())) {
            return main;
        }
        return byDatabase.computeIfAbsent(database,
                db -> new Sql(PgSession.open(settings.withDatabase(db)), db));
    }

    /** Closes the session on a database, e.g. before the database is dropped or renamed. */
    void release(String database) {
        Sql s = byDatabase.remove(database);
        if (s != null) {
            s.session().close();
        }
    }

    /** server_version up to its first space, e.g. 15.8. */
    String version() {
        return main.value("SHOW server_version", "read the server version").orElse("").split(" ")[0];
    }

    @Override
    public void close() {
        byDatabase.values().forEach(s -> s.session().close());
        byDatabase.clear();
        main.session().close();
    }
}
