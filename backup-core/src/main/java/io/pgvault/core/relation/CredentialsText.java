package io.pgvault.core.relation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Credentials as text, in each {@link CredentialsFormat}, and the way back: the password a sink file holds, so a
 * sync with --keep-passwords can keep a password that still works.
 */
public final class CredentialsText {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private CredentialsText() {
    }

    /** The credentials in one format, ending with a newline. */
    public static String render(Credentials c, CredentialsFormat format) {
        return switch (format) {
            case JSON -> json(c);
            case ENV -> env(c);
            case PGPASS -> pgpass(c);
            case URI -> uris(c);
        };
    }

    /**
     * The values as environment variables, for env files and hooks: libpq's PGHOST, PGPORT, PGDATABASE, PGUSER,
     * PGPASSWORD, the common DATABASE_URL, and PGVAULT_* for the rest (standbys numbered from 1).
     */
    public static Map<String, String> environment(Credentials c) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PGHOST", c.primary().host());
        env.put("PGPORT", Integer.toString(c.primary().port()));
        env.put("PGDATABASE", c.database());
        env.put("PGUSER", c.user());
        env.put("PGPASSWORD", c.password());
        env.put("DATABASE_URL", c.uri(c.primary()));
        env.put("PGVAULT_APP", c.app());
        env.put("PGVAULT_VERSION", c.version());
        env.put("PGVAULT_CONNECTION_STRING", c.connectionString(c.primary()));
        env.put("PGVAULT_OWNER_ROLE", c.ownerRole());
        env.put("PGVAULT_ADMIN", Boolean.toString(c.admin()));
        env.put("PGVAULT_SCHEMA_USER", c.user());
        env.put("PGVAULT_SCHEMA_PASSWORD", c.password());
        env.put("PGVAULT_STANDBY_COUNT", Integer.toString(c.standbys().size()));
        env.put("PGVAULT_STANDBY_URIS", c.standbys().stream().map(c::uri).collect(Collectors.joining(" ")));
        int n = 1;
        for (Endpoint s : c.standbys()) {
            env.put("PGVAULT_STANDBY_" + n + "_HOST", s.host());
            env.put("PGVAULT_STANDBY_" + n + "_PORT", Integer.toString(s.port()));
            env.put("PGVAULT_STANDBY_" + n + "_URI", c.uri(s));
            env.put("PGVAULT_STANDBY_" + n + "_CONNECTION_STRING", c.connectionString(s));
            n++;
        }
        return env;
    }

    private static String json(Credentials c) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("app", c.app());
        o.put("database", c.database());
        o.put("user", c.user());
        o.put("password", c.password());
        o.put("host", c.primary().host());
        o.put("port", c.primary().port());
        o.put("version", c.version());
        o.put("connection_string", c.connectionString(c.primary()));
        o.put("uri", c.uri(c.primary()));
        o.put("master", c.connectionString(c.primary()));
        ArrayNode standbys = o.putArray("standbys");
        for (Endpoint s : c.standbys()) {
            ObjectNode n = standbys.addObject();
            n.put("host", s.host());
            n.put("port", s.port());
            n.put("connection_string", c.connectionString(s));
            n.put("uri", c.uri(s));
        }
        o.put("schema_user", c.user());
        o.put("schema_password", c.password());
        o.put("owner_role", c.ownerRole());
        o.put("admin", c.admin());
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String env(Credentials c) {
        StringBuilder b = new StringBuilder("# pgvault credentials of ").append(c.app()).append('\n');
        environment(c).forEach((k, v) -> b.append(k).append('=').append(shellQuote(v)).append('\n'));
        return b.toString();
    }

    private static String pgpass(Credentials c) {
        StringBuilder b = new StringBuilder();
        b.append(pgpassLine(c.primary(), c.database(), c.user(), c.password())).append('\n');
        for (Endpoint s : c.standbys()) {
            b.append(pgpassLine(s, c.database(), c.user(), c.password())).append('\n');
        }
        return b.toString();
    }

    private static String uris(Credentials c) {
        StringBuilder b = new StringBuilder(c.uri(c.primary())).append('\n');
        c.standbys().forEach(s -> b.append(c.uri(s)).append('\n'));
        return b.toString();
    }

    /** One pgpass line; ':' and '\' escaped as libpq expects. */
    public static String pgpassLine(Endpoint at, String database, String user, String password) {
        return String.join(":", pgpassEscape(at.host()), Integer.toString(at.port()), pgpassEscape(database),
                pgpassEscape(user), pgpassEscape(password));
    }

    static String pgpassEscape(String s) {
        return s.replace("\\", "\\\\").replace(":", "\\:");
    }

    /** Splits a pgpass line into its five fields, unescaped; empty when it is a comment or malformed. */
    public static Optional<List<String>> pgpassFields(String line) {
        if (line.isBlank() || line.startsWith("#")) {
            return Optional.empty();
        }
        List<String> fields = new java.util.ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (ch == '\\' && i + 1 < line.length()) {
                cur.append(line.charAt(++i));
            } else if (ch == ':' && fields.size() < 4) {
                fields.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(ch);
            }
        }
        fields.add(cur.toString());
        return fields.size() == 5 ? Optional.of(fields) : Optional.empty();
    }

    /**
     * The password a credentials file of the given format holds for {@code user} on {@code database}.
     *
     * @return empty when the text holds none for them (or cannot be parsed)
     */
    public static Optional<String> passwordIn(String text, CredentialsFormat format, String database, String user) {
        return switch (format) {
            case JSON -> jsonPassword(text, user);
            case ENV -> envPassword(text, user);
            case PGPASS -> text.lines().map(CredentialsText::pgpassFields).flatMap(Optional::stream)
                    .filter(f -> f.get(2).equals(database) && f.get(3).equals(user))
                    .map(f -> f.get(4)).findFirst();
            case URI -> Optional.empty();
        };
    }

    private static Optional<String> jsonPassword(String text, String user) {
        try {
            JsonNode n = MAPPER.readTree(text);
            if (n != null && n.path("user").asText("").equals(user) && n.hasNonNull("password")) {
                return Optional.of(n.get("password").asText());
            }
        } catch (JsonProcessingException e) {
            // a damaged file holds no usable password; the caller issues a new one
        }
        return Optional.empty();
    }

    private static Optional<String> envPassword(String text, String user) {
        Map<String, String> vars = new LinkedHashMap<>();
        text.lines().filter(l -> !l.startsWith("#") && l.indexOf('=') > 0).forEach(l -> {
            int eq = l.indexOf('=');
            shellUnquote(l.substring(eq + 1)).ifPresent(v -> vars.put(l.substring(0, eq), v));
        });
        return user.equals(vars.get("PGUSER")) ? Optional.ofNullable(vars.get("PGPASSWORD")) : Optional.empty();
    }

    /** A word for sh: bare when it is plainly safe, else single-quoted. */
    static String shellQuote(String v) {
        if (!v.isEmpty() && v.matches("[A-Za-z0-9_./:=@%+,-]+")) {
            return v;
        }
        return "'" + v.replace("'", "'\\''") + "'";
    }

    /** Reverses {@link #shellQuote} (and plain backslash escapes); empty for text sh would not read as one word. */
    static Optional<String> shellUnquote(String word) {
        StringBuilder b = new StringBuilder();
        int i = 0;
        while (i < word.length()) {
            char ch = word.charAt(i);
            if (ch == '\'') {
                int end = word.indexOf('\'', i + 1);
                if (end < 0) {
                    return Optional.empty();
                }
                b.append(word, i + 1, end);
                i = end + 1;
            } else if (ch == '\\' && i + 1 < word.length()) {
                b.append(word.charAt(i + 1));
                i += 2;
            } else if (Character.isWhitespace(ch) || ch == '"' || ch == '$' || ch == '`') {
                return Optional.empty();
            } else {
                b.append(ch);
                i++;
            }
        }
        return Optional.of(b.toString());
    }
}
