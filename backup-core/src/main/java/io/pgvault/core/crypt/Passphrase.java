package io.pgvault.core.crypt;

import java.util.Arrays;
import java.util.Objects;

/** A passphrase held as characters; never printed ({@link #toString()} masks it). */
public final class Passphrase {

    private final char[] chars;

    private Passphrase(char[] chars) {
        this.chars = chars;
    }

    /**
     * @throws IllegalArgumentException when empty: an empty passphrase protects nothing
     */
    public static Passphrase of(String text) {
        Objects.requireNonNull(text, "text");
        String trimmed = text.strip();
        if (trimmed.isEmpty()) {
            throw new IllegalArgumentException("the encryption passphrase is empty");
        }
        return new Passphrase(trimmed.toCharArray());
    }

    char[] chars() {
        return chars.clone();
    }

    public boolean sameAs(Passphrase other) {
        return other != null && Arrays.equals(chars, other.chars);
    }

    @Override
    public String toString() {
        return "Passphrase[****]";
    }
}
