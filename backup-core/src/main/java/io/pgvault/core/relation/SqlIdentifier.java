package io.pgvault.core.relation;

import java.sql.SQLException;
import java.util.regex.Pattern;
import org.postgresql.core.Utils;

/**
 * Names of the PostgreSQL objects pgvault creates or grants for clients (databases, roles, logins, extensions).
 * They are validated when they enter pgvault — letters, digits, {@code _ . $ -}, at most 63 characters — and are
 * always quoted as identifiers in SQL besides, so a hostile name is refused and a name that slipped through could
 * still not end a statement. The same rule keeps them safe in connection strings, URIs, env and pgpass files.
 */
public final class SqlIdentifier {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.$-]{0,62}");

    private SqlIdentifier() {
    }

    /**
     * Returns the name unchanged when valid.
     *
     * @param kind what the name is, for the message: "database", "role", "extension", "login"
     * @throws IllegalArgumentException naming the kind and the rule (shown as a usage error)
     */
    public static String check(String kind, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid " + kind + " name " + printable(name)
                    + ": use letters, digits, '_', '.', '$' and '-' (not first), at most 63 characters");
        }
        return name;
    }

    /** Whether {@link #check} accepts the name. */
    public static boolean isValid(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /** The name as a double-quoted SQL identifier (embedded quotes doubled), whatever it holds except NUL. */
    public static String quote(String name) {
        try {
            return Utils.escapeIdentifier(null, name).toString();
        } catch (SQLException e) {
            throw new IllegalArgumentException("a name cannot contain a NUL character");
        }
    }

    /**
     * The text as an escape-string literal ({@code E'...'}), safe whatever standard_conforming_strings says.
     * For comments and other non-secret text only: passwords never travel in SQL text.
     */
    public static String literal(String text) {
        if (text.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("text cannot contain a NUL character");
        }
        return "E'" + text.replace("\\", "\\\\").replace("'", "''") + "'";
    }

    /** The name for a one-line message: quoted, control characters replaced, long names shortened. */
    static String printable(String name) {
        if (name == null) {
            return "(none)";
        }
        StringBuilder b = new StringBuilder("'");
        name.codePoints().limit(80).forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return b.append(name.length() > 80 ? "...'" : "'").toString();
    }
}
