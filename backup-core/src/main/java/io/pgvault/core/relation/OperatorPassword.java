package io.pgvault.core.relation;

import static io.pgvault.core.relation.SqlIdentifier.literal;
import static io.pgvault.core.relation.SqlIdentifier.quote;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.pg.PgConnectionSettings;
import io.pgvault.core.pg.PgSession;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import org.postgresql.PGConnection;

/**
 * {@code pgvault set-password}: sets (or generates) the password of the login pgvault itself uses and stores it in
 * a pgpass file, where pgvault's connections find it. A missing login is created {@code LOGIN SUPERUSER REPLICATION}:
 * backups need the backup functions and replication, and relate needs superuser (it creates superuser logins for
 * admin relations, reads password verifiers and hands objects between roles). An existing login keeps its
 * attributes. The password reaches the server hashed, never as plaintext.
 */
public final class OperatorPassword {

    /**
     * What was done. {@code toString} masks the password.
     *
     * @param user       the login
     * @param created    whether the login was created
     * @param generated  whether pgvault generated the password
     * @param password   the new password (print it only when asked)
     * @param pgpassFile where it was stored
     * @param superuser  whether the login is a superuser
     */
    public record Result(String user, boolean created, boolean generated, String password, Path pgpassFile,
                         boolean superuser) {
        @Override
        public String toString() {
            return "Result[" + user + ", created=" + created + ", password=****, " + pgpassFile + "]";
        }
    }

    static final String MARKER = "pgvault operator";

    private final PasswordGenerator passwords = new PasswordGenerator();

    /**
     * Sets the password.
     *
     * @param connection a login allowed to create roles and change passwords (e.g. postgres)
     * @param user       the operator login
     * @param password   the new password, or null to generate one
     * @param pgpassFile the pgpass file to store it in ({@code host:port:*:user}, the host and port of
     *                   {@code connection})
     * @throws PgVaultException REFUSED on a standby or for a client's login
     */
    public Result set(PgConnectionSettings connection, String user, String password, Path pgpassFile) {
        SqlIdentifier.check("login", user);
        if (user.startsWith("pg_")) {
            throw new IllegalArgumentException("invalid login name '" + user
                    + "': names starting with pg_ are reserved");
        }
        if (password != null
                && (password.isEmpty() || password.chars().anyMatch(c -> c == 0 || c == '\n' || c == '\r'))) {
            throw new IllegalArgumentException("the password must be non-empty and on one line");
        }
        String pw = password != null ? password : passwords.generate();
        boolean created;
        boolean superuser;
        try (PgSession session = PgSession.open(connection)) {
            Sql sql = new Sql(session, connection.database());
            if (session.isInRecovery()) {
                throw new PgVaultException(ErrorCode.REFUSED, "the server at " + connection.host() + ":"
                        + connection.port() + " is a standby (in recovery): set the password on the primary");
            }
            List<List<String>> rows = sql.rows("SELECT rolsuper, coalesce(shobj_description(oid, 'pg_authid'), '') "
                    + "FROM pg_roles WHERE rolname = ?", "look up login " + user, user);
            created = rows.isEmpty();
            if (created) {
                sql.execute("CREATE ROLE " + quote(user) + " LOGIN SUPERUSER REPLICATION", "create login " + user);
                sql.execute("COMMENT ON ROLE " + quote(user) + " IS " + literal(MARKER), "comment on login " + user);
                superuser = true;
            } else {
                if (rows.get(0).get(1).startsWith("pgvault relation ")) {
                    throw new PgVaultException(ErrorCode.REFUSED, user + " is the login of relation "
                            + rows.get(0).get(1).substring("pgvault relation ".length())
                            + ": use pgvault relate rotate for client logins");
                }
                superuser = "t".equals(rows.get(0).get(0));
            }
            try {
                session.connection().unwrap(PGConnection.class).alterUserPassword(user, pw.toCharArray(), null);
            } catch (SQLException e) {
                throw sql.failure("set the password of " + user, e);
            }
        }
        try {
            PgPassFile.update(pgpassFile, new Endpoint(connection.host(), connection.port()), user, pw);
        } catch (PgVaultException e) {
            throw new PgVaultException(e.code(), "the password of " + user + " was changed but could not be stored: "
                    + e.getMessage() + " (run set-password again)", e);
        }
        return new Result(user, created, password == null, pw, pgpassFile, superuser);
    }
}
