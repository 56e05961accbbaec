package io.pgvault.core.crypt;

import com.google.crypto.tink.subtle.AesGcmJce;
import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * The {@code keyCheck} of cluster.json: the repository's master key wrapped (AES-256-GCM) by a key derived from the
 * passphrase with PBKDF2-HMAC-SHA256, with the salt and iteration count needed to derive it again. Unwrapping it is
 * the check: a wrong passphrase fails GCM's authentication at once, before any data is read.
 *
 * @param kdf              key derivation function, {@value #KDF}
 * @param iterations       PBKDF2 iterations
 * @param salt             random salt, base64
 * @param wrappedMasterKey nonce, ciphertext and tag of the master key, base64
 */
public record KeyCheck(String kdf, int iterations, String salt, String wrappedMasterKey) {

    public static final String KDF = "PBKDF2WithHmacSHA256";
    /** OWASP's 2023 figure for PBKDF2-HMAC-SHA256; paid once per command. */
    public static final int DEFAULT_ITERATIONS = 600_000;
    private static final int MIN_ITERATIONS = 1_000;
    private static final byte[] CONTEXT = "pgvault master key".getBytes(StandardCharsets.UTF_8);
    private static final SecureRandom RANDOM = new SecureRandom();

    public KeyCheck {
        Objects.requireNonNull(kdf, "kdf");
        Objects.requireNonNull(salt, "salt");
        Objects.requireNonNull(wrappedMasterKey, "wrappedMasterKey");
    }

    /** Wraps {@code master} under {@code passphrase} with a fresh salt. */
    public static KeyCheck seal(MasterKey master, Passphrase passphrase, int iterations) {
        if (iterations < MIN_ITERATIONS) {
            throw new IllegalArgumentException("PBKDF2 needs at least " + MIN_ITERATIONS + " iterations");
        }
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        try {
            byte[] wrapped = new AesGcmJce(derive(passphrase, salt, iterations)).encrypt(master.bytes(), CONTEXT);
            Base64.Encoder b64 = Base64.getEncoder();
            return new KeyCheck(KDF, iterations, b64.encodeToString(salt), b64.encodeToString(wrapped));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot wrap the master key", e);
        }
    }

    /**
     * Unwraps the master key.
     *
     * @throws PgVaultException KEY when the passphrase is wrong, DAMAGED when the key check cannot be parsed
     */
    public MasterKey open(Passphrase passphrase, String where) {
        if (!KDF.equals(kdf) || iterations < MIN_ITERATIONS) {
            throw new PgVaultException(ErrorCode.DAMAGED, "the key check in " + where + " names an unknown key"
                    + " derivation (" + kdf + ", " + iterations + " iterations); use a matching pgvault version");
        }
        byte[] saltBytes;
        byte[] wrapped;
        try {
            saltBytes = Base64.getDecoder().decode(salt);
            wrapped = Base64.getDecoder().decode(wrappedMasterKey);
        } catch (IllegalArgumentException e) {
            throw new PgVaultException(ErrorCode.DAMAGED, "the key check in " + where + " is not valid base64");
        }
        try {
            return new MasterKey(new AesGcmJce(derive(passphrase, saltBytes, iterations)).decrypt(wrapped, CONTEXT));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new PgVaultException(ErrorCode.KEY, "the encryption passphrase is wrong for " + where
                    + "; give the one set at init or at the last 'pgvault passphrase change'");
        }
    }

    private static byte[] derive(Passphrase passphrase, byte[] salt, int iterations) throws GeneralSecurityException {
        char[] chars = passphrase.chars();
        PBEKeySpec spec = new PBEKeySpec(chars, salt, iterations, MasterKey.LENGTH * 8);
        try {
            return SecretKeyFactory.getInstance(KDF).generateSecret(spec).getEncoded();
        } finally {
            spec.clearPassword();
            java.util.Arrays.fill(chars, '\0');
        }
    }
}
