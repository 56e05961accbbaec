package io.pgvault.core.relation;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One registered client application, as kept in the repository ({@code <cluster>/relations/<app>.json}): what it
 * asked for and where its credentials go. Passwords are not part of it — they live in the server (as SCRAM
 * verifiers) and in the client's sink; after a restore they are rotated anyway.
 *
 * @param format      relation format version
 * @param app         the client's name
 * @param database    its database (created if missing)
 * @param login       its login role (generated from the app name, or the username it asked for)
 * @param customLogin true when the client asked for the login name
 * @param roles       extra roles granted to the login (created if missing)
 * @param extensions  extensions installed in its database
 * @param admin       administrative access: the login is a superuser
 * @param sink        where its credentials are delivered
 * @param createdAt   when it was related
 */
public record Relation(int format, String app, String database, String login, boolean customLogin,
                       List<String> roles, List<String> extensions, boolean admin, Sink sink, Instant createdAt) {

    public static final int FORMAT = 1;

    private static final String OWNER_PREFIX = "pgvault_";
    private static final String OWNER_SUFFIX = "_owner";

    public Relation {
        new AppName(app);
        SqlIdentifier.check("database", database);
        checkLogin(login);
        roles = distinct("role", roles);
        extensions = distinct("extension", extensions);
        Objects.requireNonNull(sink, "sink");
        if (roles.contains(login)) {
            throw new IllegalArgumentException("role '" + login + "' is the client's own login");
        }
    }

    /**
     * A new relation with pgvault's defaults: the database is named after the client when none is given, and so is
     * the login when no username is asked for.
     */
    public static Relation request(AppName app, String database, String username, List<String> roles,
                                   List<String> extensions, boolean admin, Sink sink, Instant now) {
        String db = database == null ? app.value() : database;
        String login = username == null ? generatedLogin(app) : username;
        return new Relation(FORMAT, app.value(), db, login, username != null, roles, extensions, admin, sink, now);
    }

    public AppName appName() {
        return new AppName(app);
    }

    /** The role that owns the objects of this relation's database: {@code pgvault_<db>_owner}. */
    public String ownerRole() {
        return ownerRoleOf(database);
    }

    /** The owner role of a database; long names are shortened with a hash so the role fits in 63 characters. */
    public static String ownerRoleOf(String database) {
        String name = OWNER_PREFIX + database + OWNER_SUFFIX;
        if (name.length() <= 63) {
            return name;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(database.getBytes(StandardCharsets.UTF_8));
            return OWNER_PREFIX + database.substring(0, 40) + "_" + HexFormat.of().formatHex(digest, 0, 4)
                    + OWNER_SUFFIX;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The login generated from an app name: lower case, other characters as '_', never in the pg_ namespace. */
    static String generatedLogin(AppName app) {
        String s = app.value().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        if (s.startsWith("pg_")) {
            s = "app_" + s;
        }
        return s.length() > 63 ? s.substring(0, 63) : s;
    }

    private static void checkLogin(String login) {
        SqlIdentifier.check("login", login);
        if (login.startsWith("pg_")) {
            throw new IllegalArgumentException("invalid login name '" + login
                    + "': names starting with pg_ are reserved by PostgreSQL");
        }
        if (login.startsWith(OWNER_PREFIX) && login.endsWith(OWNER_SUFFIX)) {
            throw new IllegalArgumentException("invalid login name '" + login
                    + "': pgvault_*_owner names are pgvault's owner roles");
        }
    }

    private static List<String> distinct(String kind, List<String> names) {
        LinkedHashSet<String> set = new LinkedHashSet<>();
        for (String n : names == null ? List.<String>of() : names) {
            set.add(SqlIdentifier.check(kind, n));
        }
        return List.copyOf(set);
    }
}
