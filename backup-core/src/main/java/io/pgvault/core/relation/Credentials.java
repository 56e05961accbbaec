package io.pgvault.core.relation;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * What the database side provides to one client (see relations.md). {@code toString} masks the password.
 *
 * @param app       the client's name
 * @param database  its database
 * @param user      its login
 * @param password  the login's current password
 * @param primary   where the primary is reached
 * @param version   the server's version, e.g. 15.8
 * @param standbys  hot standbys following the primary, empty when there are none
 * @param ownerRole the role its objects are owned by
 * @param admin     whether the login is a superuser
 */
public record Credentials(String app, String database, String user, String password, Endpoint primary,
                          String version, List<Endpoint> standbys, String ownerRole, boolean admin) {

    public Credentials {
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(primary, "primary");
        standbys = List.copyOf(standbys);
    }

    /** {@code postgresql://user:password@host:port/database}, user and password percent-encoded. */
    public String uri(Endpoint at) {
        return "postgresql://" + encode(user) + ":" + encode(password) + "@" + at.uriHost() + ":" + at.port() + "/"
                + encode(database);
    }

    /** A libpq keyword/value connection string. */
    public String connectionString(Endpoint at) {
        return "host=" + libpqValue(at.host()) + " port=" + at.port() + " dbname=" + libpqValue(database) + " user="
                + libpqValue(user) + " password=" + libpqValue(password);
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Quotes a libpq value when it is empty or holds spaces, quotes or backslashes. */
    static String libpqValue(String v) {
        if (!v.isEmpty() && v.chars().noneMatch(c -> c == ' ' || c == '\'' || c == '\\' || Character.isWhitespace(c))) {
            return v;
        }
        return "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    @Override
    public String toString() {
        return "Credentials[" + app + ": " + user + "@" + primary + "/" + database + ", password=****, standbys="
                + standbys + "]";
    }
}
