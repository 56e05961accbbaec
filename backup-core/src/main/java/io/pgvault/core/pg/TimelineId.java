package io.pgvault.core.pg;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** A PostgreSQL timeline: an unsigned 32-bit number, at least 1. */
public record TimelineId(long value) implements Comparable<TimelineId> {

    public TimelineId {
        if (value < 1 || value > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("timeline out of range: " + value);
        }
    }

    @JsonCreator
    public static TimelineId of(long value) {
        return new TimelineId(value);
    }

    /** Parses the 8-hex-digit form used in WAL file names. */
    public static TimelineId parseHex(String hex) {
        if (hex == null || hex.length() != 8 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new IllegalArgumentException("not a timeline id: '" + hex + "' (expected 8 hex digits)");
        }
        return new TimelineId(Long.parseLong(hex, 16));
    }

    /** Parses a decimal timeline as PostgreSQL prints it in backup_label and history files. */
    public static TimelineId parseDecimal(String text) {
        try {
            return new TimelineId(Long.parseLong(text.trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a timeline: '" + text + "'");
        }
    }

    public String hex() {
        return String.format("%08X", value);
    }

    @JsonValue
    public long jsonValue() {
        return value;
    }

    @Override
    public int compareTo(TimelineId o) {
        return Long.compare(value, o.value);
    }

    @Override
    public String toString() {
        return Long.toString(value);
    }
}
