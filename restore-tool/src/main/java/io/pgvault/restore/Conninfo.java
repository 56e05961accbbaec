package io.pgvault.restore;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** libpq connection strings as pgvault shows them: the password never appears. */
public final class Conninfo {

    private static final String MASK = "********";
    /**
     * password (or sslpassword) = value, where value is a single-quoted string (with \' and \\ escapes) or a run of
     * non-blanks.
     */
    private static final Pattern KEY_VALUE_PASSWORD = Pattern.compile(
            "(\\b(?:ssl)?password\\s*=\\s*)('(?:[^'\\\\]|\\\\.)*'|\\S+)", Pattern.CASE_INSENSITIVE);
    /** postgresql://user:secret@host in URIs. */
    private static final Pattern URI_USERINFO = Pattern.compile("^(postgres(?:ql)?://[^:@/?#]*:)([^@/?#]*)(@)",
            Pattern.CASE_INSENSITIVE);
    /** password=secret among URI parameters. */
    private static final Pattern URI_PARAMETER = Pattern.compile("([?&](?:ssl)?password=)([^&#]*)",
            Pattern.CASE_INSENSITIVE);

    private Conninfo() {
    }

    /** The connection string with any password replaced by asterisks; safe for output and logs. */
    public static String masked(String conninfo) {
        if (conninfo == null) {
            return null;
        }
        String s = conninfo.strip();
        if (s.regionMatches(true, 0, "postgres", 0, 8) && s.contains("://")) {
            s = URI_USERINFO.matcher(s).replaceFirst("$1" + MASK + "$3");
            return URI_PARAMETER.matcher(s).replaceAll("$1" + MASK);
        }
        return KEY_VALUE_PASSWORD.matcher(s).replaceAll("$1" + MASK);
    }

    /** Recovery settings for display: primary_conninfo masked, everything else as written. */
    public static Map<String, String> maskedSettings(Map<String, String> settings) {
        Map<String, String> out = new LinkedHashMap<>(settings);
        out.computeIfPresent("primary_conninfo", (k, v) -> masked(v));
        return out;
    }
}
