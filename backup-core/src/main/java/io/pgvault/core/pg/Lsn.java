package io.pgvault.core.pg;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * A WAL location (log sequence number): an unsigned 64-bit byte position, written as two hex halves, e.g. {@code 16/B374D848}.
 * Parsing is strict: a malformed string is an error, never a silent "invalid" LSN.
 */
public record Lsn(long value) implements Comparable<Lsn> {

    public static final Lsn ZERO = new Lsn(0);

    /**
     * Parses {@code hi/lo}, each 1 to 8 hex digits.
     *
     * @throws IllegalArgumentException naming the text when it is not an LSN
     */
    @JsonCreator
    public static Lsn parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("LSN is missing");
        }
        int slash = text.indexOf('/');
        if (slash < 1 || slash > 8 || text.length() - slash - 1 < 1 || text.length() - slash - 1 > 8
                || !isHex(text, 0, slash) || !isHex(text, slash + 1, text.length())) {
            throw new IllegalArgumentException("not an LSN: '" + text + "' (expected hex/hex, e.g. 0/16B3748)");
        }
        long hi = Long.parseLong(text.substring(0, slash), 16);
        long lo = Long.parseLong(text.substring(slash + 1), 16);
        return new Lsn(hi << 32 | lo);
    }

    private static boolean isHex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (Character.digit(s.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    /** Adds a byte count. */
    public Lsn plus(long bytes) {
        return new Lsn(value + bytes);
    }

    /** Bytes from {@code other} up to this LSN (negative if other is later). */
    public long minus(Lsn other) {
        return value - other.value;
    }

    public boolean isAfter(Lsn other) {
        return compareTo(other) > 0;
    }

    public boolean isBefore(Lsn other) {
        return compareTo(other) < 0;
    }

    @Override
    public int compareTo(Lsn other) {
        return Long.compareUnsigned(value, other.value);
    }

    @JsonValue
    @Override
    public String toString() {
        return String.format("%X/%X", value >>> 32, value & 0xFFFFFFFFL);
    }
}
