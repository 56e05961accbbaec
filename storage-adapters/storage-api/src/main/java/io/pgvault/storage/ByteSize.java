package io.pgvault.storage;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte counts in adapter settings: a number with an optional unit k, m or g, binary whatever the spelling
 * (5MB = 5MB = 5MiB), as in pgBackRest.
 */
public final class ByteSize {

    private static final Pattern SIZE = Pattern.compile("(\\d{1,12})\\s*([kmg]?)(i?b)?", Pattern.CASE_INSENSITIVE);

    private ByteSize() {
    }

    /**
     * Parses a size such as {@code 16777216}, {@code 16MiB}, {@code 16MB} or {@code 16m}.
     *
     * @return the size in bytes, or -1 when the value is not a size (callers name the setting in their refusal)
     */
    public static long parse(String value) {
        Matcher m = SIZE.matcher(value.trim());
        if (!m.matches() || m.group(2).isEmpty() && m.group(3) != null && m.group(3).length() == 2) {
            return -1; // not a size, or "iB" without a multiplier
        }
        int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            default -> 0;
        };
        try {
            return Math.multiplyExact(Long.parseLong(m.group(1)), 1L << shift);
        } catch (ArithmeticException e) {
            return -1;
        }
    }
}
