package io.pgvault.core.relation;

import static io.pgvault.core.relation.SqlIdentifier.quote;

import java.util.ArrayList;
import java.util.List;

/**
 * Drops a pgvault login without losing what it owns: in every database where it owns objects or holds privileges,
 * its objects are handed to that database's pgvault owner role (or, where there is none, to the database's owner)
 * and its privileges revoked; then the login is dropped.
 */
final class LoginRemoval {

    private final ServerSessions sessions;

    LoginRemoval(ServerSessions sessions) {
        this.sessions = sessions;
    }

    /** Logins this cluster's relations created (by their comment), with the app each names. */
    List<List<String>> managedLogins(String cluster) {
        return sessions.main().rows("SELECT rolname, substr(d, length(?) + 1) FROM (SELECT rolname, "
                + "shobj_description(oid, 'pg_authid') AS d FROM pg_roles) r WHERE starts_with(d, ?) ORDER BY 1",
                "list pgvault logins", RelationApplier.markerPrefix(cluster), RelationApplier.markerPrefix(cluster));
    }

    boolean exists(String login) {
        return sessions.main().exists("SELECT 1 FROM pg_roles WHERE rolname = ?", "look up login " + login, login);
    }

    /** Hands over, revokes and drops; returns what changed. Dropping a login that does not exist changes nothing. */
    List<String> drop(String login) {
        List<String> changes = new ArrayList<>();
        if (!exists(login)) {
            return changes;
        }
        List<List<String>> deps = sessions.main().rows("SELECT coalesce(d.datname, ''), "
                + "count(*) FILTER (WHERE s.deptype = 'o') FROM pg_shdepend s "
                + "LEFT JOIN pg_database d ON d.oid = s.dbid WHERE s.refclassid = 'pg_authid'::regclass "
                + "AND s.refobjid = (SELECT oid FROM pg_roles WHERE rolname = ?) "
                + "AND (s.dbid = 0 OR d.datallowconn) GROUP BY 1 ORDER BY 1", "find what " + login + " owns", login);
        for (List<String> dep : deps) {
            // shared objects (dbid 0, e.g. databases it owns) are handed over from the maintenance database
            Sql in = dep.get(0).isEmpty() ? sessions.main() : sessions.in(dep.get(0));
            String target = heirIn(in);
            in.execute("REASSIGN OWNED BY " + quote(login) + " TO " + quote(target),
                    "hand the objects of " + login + " to " + target);
            in.execute("DROP OWNED BY " + quote(login), "revoke the privileges of " + login);
            long owned = Long.parseLong(dep.get(1));
            if (owned > 0) {
                changes.add("handed " + owned + " object(s) of " + login
                        + (dep.get(0).isEmpty() ? "" : " in " + dep.get(0)) + " to " + target);
            }
        }
        sessions.main().execute("DROP ROLE " + quote(login), "drop login " + login);
        changes.add("dropped login " + login);
        return changes;
    }

    /** Who inherits objects in the session's database: its pgvault owner role if any, else the database's owner. */
    private static String heirIn(Sql in) {
        String owner = Relation.ownerRoleOf(in.database());
        if (in.exists("SELECT 1 FROM pg_roles WHERE rolname = ?", "look up role " + owner, owner)) {
            return owner;
        }
        return in.value("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()",
                "look up the owner of " + in.database()).orElseThrow();
    }
}
