package io.pgvault.core.relation;

import static io.pgvault.core.relation.SqlIdentifier.literal;
import static io.pgvault.core.relation.SqlIdentifier.quote;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import java.sql.SQLException;
import java.util.List;
import org.postgresql.PGConnection;

/**
 * Makes the server match one relation, step by step, each step checked before it is done so that running it again
 * changes nothing and a run that failed half-way is completed by the next one: the database's owner role, the
 * database, extensions, the login, its roles, its membership of the owner role and the switch to it on login,
 * objects it owns directly (handed to the owner role), and its password.
 */
final class RelationApplier {

    private static final String LOGIN_MARKER = "pgvault relation ";

    private final ServerSessions sessions;
    private final String cluster;
    private final PasswordGenerator passwords;

    RelationApplier(ServerSessions sessions, String cluster, PasswordGenerator passwords) {
        this.sessions = sessions;
        this.cluster = cluster;
        this.passwords = passwords;
    }

    /** The comment pgvault puts on the logins it manages: {@code pgvault relation <cluster>/<app>}. */
    static String loginMarker(String cluster, String app) {
        return LOGIN_MARKER + cluster + "/" + app;
    }

    /** The cluster/app prefix every marker of this cluster starts with. */
    static String markerPrefix(String cluster) {
        return LOGIN_MARKER + cluster + "/";
    }

    /**
     * Applies the relation.
     *
     * @param known  the password the client holds (from its sink), kept when it still matches; null if unknown
     * @param rotate  issue a new password even when the known one matches
     * @param changes receives what changed, step by step (also when a later step fails)
     * @return the login's password afterwards
     */
    String apply(Relation r, String known, boolean rotate, List<String> changes) {
        preflight(r);
        String owner = r.ownerRole();
        ensureOwnerRole(owner, r.database(), changes);
        ensureDatabase(r.database(), owner, changes);
        for (String ext : r.extensions()) {
            ensureExtension(r.database(), ext, changes);
        }
        boolean created = ensureLogin(r, changes);
        for (String role : r.roles()) {
            ensureRole(r, role, changes);
        }
        grant(owner, r.login(), "joined owner role " + owner, changes);
        ensureRoleSwitch(r, changes);
        if (!r.admin()) {
            handOverOwnedObjects(r, changes);
        }
        return ensurePassword(r.login(), known, rotate || created, changes, created);
    }

    /** Everything that would refuse the relation, checked before anything changes. */
    private void preflight(Relation r) {
        Sql sql = sessions.main();
        List<List<String>> login = sql.rows("SELECT coalesce(shobj_description(oid, 'pg_authid'), '') FROM pg_roles "
                + "WHERE rolname = ?", "look up login " + r.login(), r.login());
        String marker = loginMarker(cluster, r.app());
        if (!login.isEmpty() && !login.get(0).get(0).equals(marker)) {
            String comment = login.get(0).get(0);
            throw new PgVaultException(ErrorCode.REFUSED, comment.startsWith(LOGIN_MARKER)
                    ? "login " + r.login() + " belongs to " + comment.substring(LOGIN_MARKER.length())
                    + ", not to " + cluster + "/" + r.app() + ": ask for another --username"
                    : "role " + r.login() + " exists and is not managed by pgvault: ask for another --username "
                    + "(pgvault never takes over existing roles)");
        }
        for (String role : r.roles()) {
            List<List<String>> rows = sql.rows("SELECT rolsuper FROM pg_roles WHERE rolname = ?",
                    "look up role " + role, role);
            if (rows.isEmpty() && role.startsWith("pg_")) {
                throw new PgVaultException(ErrorCode.NOT_FOUND, "role " + role + " does not exist (names starting "
                        + "with pg_ belong to PostgreSQL's predefined roles)");
            }
            if (!rows.isEmpty() && "t".equals(rows.get(0).get(0)) && !r.admin()) {
                throw new PgVaultException(ErrorCode.REFUSED, "role " + role + " is a superuser: granting it would "
                        + "make " + r.app() + " one (relate it with --admin instead)");
            }
        }
        for (String ext : r.extensions()) {
            if (!sql.exists("SELECT 1 FROM pg_available_extensions WHERE name = ?", "look up extension " + ext, ext)) {
                throw new PgVaultException(ErrorCode.NOT_FOUND, "extension " + ext + " is not available on the "
                        + "server (install the package that ships it, e.g. postgresql-contrib, or drop it from "
                        + "--extensions)");
            }
        }
        String owner = r.ownerRole();
        if (sql.exists("SELECT 1 FROM pg_roles WHERE rolname = ? AND (rolcanlogin OR rolsuper)",
                "look up role " + owner, owner)) {
            throw new PgVaultException(ErrorCode.REFUSED, "role " + owner + " exists and can log in or is a "
                    + "superuser: it cannot serve as the owner role of database " + r.database());
        }
    }

    private void ensureOwnerRole(String owner, String database, List<String> changes) {
        Sql sql = sessions.main();
        if (!sql.exists("SELECT 1 FROM pg_roles WHERE rolname = ?", "look up role " + owner, owner)) {
            sql.execute("CREATE ROLE " + quote(owner) + " NOLOGIN", "create owner role " + owner);
            sql.execute("COMMENT ON ROLE " + quote(owner) + " IS " + literal("pgvault owner role of database "
                    + database), "comment on role " + owner);
            changes.add("created owner role " + owner);
        }
    }

    private void ensureDatabase(String db, String owner, List<String> changes) {
        Sql sql = sessions.main();
        if (!sql.exists("SELECT 1 FROM pg_database WHERE datname = ?", "look up database " + db, db)) {
            sql.execute("CREATE DATABASE " + quote(db) + " OWNER " + quote(owner), "create database " + db);
            // only members of the owner role (and superusers) connect to a database pgvault created
            sql.execute("REVOKE ALL ON DATABASE " + quote(db) + " FROM PUBLIC", "restrict database " + db);
            changes.add("created database " + db);
            return;
        }
        for (String privilege : List.of("CONNECT", "CREATE", "TEMPORARY")) {
            if ("f".equals(sql.value("SELECT has_database_privilege(?, ?, ?)", "check access to database " + db,
                    owner, db, privilege).orElse("f"))) {
                sql.execute("GRANT CONNECT, CREATE, TEMPORARY ON DATABASE " + quote(db) + " TO " + quote(owner),
                        "grant access to database " + db);
                changes.add("granted " + owner + " access to database " + db);
                break;
            }
        }
        Sql in = sessions.in(db);
        if ("f".equals(in.value("SELECT has_schema_privilege(?, n.oid, 'CREATE') AND has_schema_privilege(?, n.oid, "
                + "'USAGE') FROM pg_namespace n WHERE nspname = 'public'", "check schema public", owner, owner)
                .orElse("t"))) {
            in.execute("GRANT USAGE, CREATE ON SCHEMA public TO " + quote(owner), "grant schema public");
            changes.add("granted " + owner + " CREATE on schema public of " + db);
        }
    }

    private void ensureExtension(String db, String ext, List<String> changes) {
        Sql in = sessions.in(db);
        if (in.exists("SELECT 1 FROM pg_extension WHERE extname = ?", "look up extension " + ext, ext)) {
            return;
        }
        in.execute("CREATE EXTENSION IF NOT EXISTS " + quote(ext) + " CASCADE", "install extension " + ext);
        changes.add("installed extension " + ext + " in " + db);
    }

    /** Creates the login, or checks that the existing one is this relation's; returns true when created. */
    private boolean ensureLogin(Relation r, List<String> changes) {
        Sql sql = sessions.main();
        String login = r.login();
        String marker = loginMarker(cluster, r.app());
        List<List<String>> rows = sql.rows("SELECT rolsuper, rolcanlogin FROM pg_roles WHERE rolname = ?",
                "look up login " + login, login);
        if (rows.isEmpty()) {
            sql.execute("CREATE ROLE " + quote(login) + " LOGIN" + (r.admin() ? " SUPERUSER" : ""),
                    "create login " + login);
            sql.execute("COMMENT ON ROLE " + quote(login) + " IS " + literal(marker), "comment on login " + login);
            changes.add("created login " + login + (r.admin() ? " (superuser)" : ""));
            return true;
        }
        if (!"t".equals(rows.get(0).get(1))) {
            sql.execute("ALTER ROLE " + quote(login) + " LOGIN", "allow login " + login);
            changes.add("allowed " + login + " to log in");
        }
        boolean superuser = "t".equals(rows.get(0).get(0));
        if (superuser != r.admin()) {
            sql.execute("ALTER ROLE " + quote(login) + (r.admin() ? " SUPERUSER" : " NOSUPERUSER"),
                    "change superuser of " + login);
            changes.add((r.admin() ? "made " : "revoked superuser of ") + login + (r.admin() ? " a superuser" : ""));
        }
        return false;
    }

    private void ensureRole(Relation r, String role, List<String> changes) {
        Sql sql = sessions.main();
        if (!sql.exists("SELECT 1 FROM pg_roles WHERE rolname = ?", "look up role " + role, role)) {
            sql.execute("CREATE ROLE " + quote(role) + " NOLOGIN", "create role " + role);
            sql.execute("COMMENT ON ROLE " + quote(role) + " IS " + literal("pgvault role"), "comment on role " + role);
            changes.add("created role " + role);
        }
        grant(role, r.login(), "granted role " + role, changes);
    }

    private void grant(String role, String login, String change, List<String> changes) {
        Sql sql = sessions.main();
        if (!sql.exists("SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
                + "JOIN pg_roles u ON u.oid = m.member WHERE g.rolname = ? AND u.rolname = ?",
                "check membership of " + login, role, login)) {
            sql.execute("GRANT " + quote(role) + " TO " + quote(login), "grant " + role + " to " + login);
            changes.add(change);
        }
    }

    /** Non-admin logins work as the owner role in their database; admins stay themselves (superusers). */
    private void ensureRoleSwitch(Relation r, List<String> changes) {
        Sql sql = sessions.main();
        String wanted = "role=" + r.ownerRole();
        List<String> settings = sql.rows("SELECT unnest(s.setconfig) FROM pg_db_role_setting s "
                + "JOIN pg_roles u ON u.oid = s.setrole JOIN pg_database d ON d.oid = s.setdatabase "
                + "WHERE u.rolname = ? AND d.datname = ?", "read settings of " + r.login(), r.login(), r.database())
                .stream().map(row -> row.get(0)).toList();
        boolean switches = settings.contains(wanted);
        boolean anyRole = settings.stream().anyMatch(s -> s.startsWith("role="));
        if (!r.admin() && !switches) {
            sql.execute("ALTER ROLE " + quote(r.login()) + " IN DATABASE " + quote(r.database()) + " SET role = "
                    + quote(r.ownerRole()), "set the role of " + r.login());
            changes.add(r.login() + " works as " + r.ownerRole() + " in " + r.database());
        } else if (r.admin() && anyRole) {
            sql.execute("ALTER ROLE " + quote(r.login()) + " IN DATABASE " + quote(r.database()) + " RESET role",
                    "reset the role of " + r.login());
            changes.add(r.login() + " no longer switches role in " + r.database());
        }
    }

    private void handOverOwnedObjects(Relation r, List<String> changes) {
        Sql in = sessions.in(r.database());
        long owned = in.count("SELECT count(*) FROM pg_shdepend WHERE refclassid = 'pg_authid'::regclass "
                + "AND deptype = 'o' AND refobjid = (SELECT oid FROM pg_roles WHERE rolname = ?) "
                + "AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())",
                "count objects of " + r.login(), r.login());
        if (owned > 0) {
            in.execute("REASSIGN OWNED BY " + quote(r.login()) + " TO " + quote(r.ownerRole()),
                    "hand the objects of " + r.login() + " to " + r.ownerRole());
            changes.add("handed " + owned + " object(s) owned by " + r.login() + " to " + r.ownerRole());
        }
    }

    private String ensurePassword(String login, String known, boolean rotate, List<String> changes, boolean created) {
        Sql sql = sessions.main();
        if (!rotate && known != null) {
            String stored = sql.value("SELECT rolpassword FROM pg_authid WHERE rolname = ?",
                    "read the password verifier of " + login, login).orElse(null);
            if (PasswordVerifier.matches(stored, login, known)) {
                return known;
            }
        }
        String fresh = passwords.generate();
        try {
            // pgjdbc hashes the password (SCRAM or md5, as password_encryption says) before it leaves the JVM:
            // the plaintext never reaches the server, its logs or pg_stat_activity
            sql.session().connection().unwrap(PGConnection.class).alterUserPassword(login, fresh.toCharArray(), null);
        } catch (SQLException e) {
            throw sql.failure("set the password of " + login, e);
        }
        changes.add(created ? "password set" : rotate ? "password rotated"
                : known == null ? "password rotated (no usable password in the sink)"
                : "password rotated (the one in the sink no longer matched)");
        return fresh;
    }
}
