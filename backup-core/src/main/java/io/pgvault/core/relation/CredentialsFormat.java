package io.pgvault.core.relation;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** How credentials are written: to a sink file (json, env, pgpass) or printed by {@code relate credentials}. */
public enum CredentialsFormat {
    /** One JSON object with every provided value. */
    JSON,
    /** {@code NAME=value} lines: libpq's PG* variables, DATABASE_URL and PGVAULT_* extras. */
    ENV,
    /** pgpass lines {@code host:port:database:user:password}, one per endpoint. */
    PGPASS,
    /** The primary's URI, then one line per standby (printing only, not a sink). */
    URI;

    @JsonValue
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether a sink file may use this format. */
    public boolean sinkable() {
        return this != URI;
    }

    public String fileExtension() {
        return label();
    }

    @JsonCreator
    public static CredentialsFormat parse(String text) {
        for (CredentialsFormat f : values()) {
            if (f.label().equals(text)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown credentials format " + SqlIdentifier.printable(text)
                + ": use json, env, pgpass or uri");
    }
}
