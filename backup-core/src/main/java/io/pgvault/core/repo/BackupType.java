package io.pgvault.core.repo;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Full, differential (changes since the last full) or incremental (changes since the last backup). */
public enum BackupType {
    FULL('F'), DIFFERENTIAL('D'), INCREMENTAL('I');

    private final char letter;

    BackupType(char letter) {
        this.letter = letter;
    }

    public char letter() {
        return letter;
    }

    static BackupType fromLetter(char c) {
        for (BackupType t : values()) {
            if (t.letter == c) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown backup type letter " + c);
    }

    @JsonCreator
    public static BackupType parse(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "full" -> FULL;
            case "differential", "diff" -> DIFFERENTIAL;
            case "incremental", "incr" -> INCREMENTAL;
            default -> throw new IllegalArgumentException("unknown backup type '" + text
                    + "' (expected full, differential or incremental)");
        };
    }

    @JsonValue
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
