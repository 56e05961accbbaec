package io.pgvault.core.relation;

import java.util.regex.Pattern;

/**
 * The name of a client application related to the database. It becomes a repository object key
 * ({@code <cluster>/relations/<app>.json}), so it is validated strictly.
 *
 * @param value letters, digits, '_', '.', '-', starting with a letter or digit, at most 63 characters, no ".."
 */
public record AppName(String value) {

    private static final Pattern PATTERN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");

    public AppName {
        if (value == null || !PATTERN.matcher(value).matches() || value.contains("..")) {
            throw new IllegalArgumentException("invalid application name " + SqlIdentifier.printable(value)
                    + ": use letters, digits, '_', '-' and '.', starting with a letter or digit, "
                    + "at most 63 characters");
        }
    }

    public static AppName of(String value) {
        return new AppName(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
