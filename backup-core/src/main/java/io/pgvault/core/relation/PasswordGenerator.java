package io.pgvault.core.relation;

import java.security.SecureRandom;

/**
 * Strong random passwords: 32 characters drawn uniformly from [A-Za-z0-9] by a {@link SecureRandom}, about 190
 * bits. The alphabet needs no escaping in URIs, connection strings, env or pgpass files. Thread-safe.
 */
public final class PasswordGenerator {

    static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    static final int LENGTH = 32;

    private final SecureRandom random;

    public PasswordGenerator() {
        this(new SecureRandom());
    }

    PasswordGenerator(SecureRandom random) {
        this.random = random;
    }

    public String generate() {
        char[] out = new char[LENGTH];
        for (int i = 0; i < out.length; i++) {
            out[i] = ALPHABET.charAt(random.nextInt(ALPHABET.length()));
        }
        return new String(out);
    }

    /** Bits of entropy of one generated password. */
    public static double entropyBits() {
        return LENGTH * Math.log(ALPHABET.length()) / Math.log(2);
    }
}
