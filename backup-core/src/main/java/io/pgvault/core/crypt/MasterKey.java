package io.pgvault.core.crypt;

import com.google.crypto.tink.subtle.AesGcmJce;
import com.google.crypto.tink.subtle.Hkdf;
import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The repository's random 256-bit master key. It never encrypts data itself: HKDF derives from it one key that wraps
 * data keys (AES-256-GCM) and one that authenticates WAL contents (HMAC-SHA256), so the key check in cluster.json
 * can be re-wrapped under a new passphrase without touching any data.
 */
public final class MasterKey {

    public static final int LENGTH = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] bytes;
    private final AesGcmJce wrapper;
    private final byte[] walMacKey;

    MasterKey(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("a master key has " + LENGTH + " bytes");
        }
        this.bytes = bytes.clone();
        try {
            this.wrapper = new AesGcmJce(derive("pgvault data key wrapping"));
            this.walMacKey = derive("pgvault wal content digest");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-GCM is not available in this JVM", e);
        }
    }

    public static MasterKey generate() {
        byte[] b = new byte[LENGTH];
        RANDOM.nextBytes(b);
        return new MasterKey(b);
    }

    private byte[] derive(String purpose) throws GeneralSecurityException {
        return Hkdf.computeHkdf("HMACSHA256", bytes, new byte[0], purpose.getBytes(StandardCharsets.UTF_8), LENGTH);
    }

    byte[] bytes() {
        return bytes.clone();
    }

    /** Encrypts a data key; {@code context} (e.g. the object it serves) is authenticated with it. */
    public byte[] wrap(DataKey key, String context) {
        try {
            return wrapper.encrypt(key.bytes(), context.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot wrap a data key", e);
        }
    }

    /**
     * Decrypts a data key wrapped by {@link #wrap}.
     *
     * @throws PgVaultException DAMAGED naming {@code object}: the master key was already proven by the key check, so
     *                          a failure here means the stored key was altered or moved
     */
    public DataKey unwrap(byte[] wrapped, String context, String object) {
        try {
            return new DataKey(wrapper.decrypt(wrapped, context.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new PgVaultException(ErrorCode.DAMAGED, "the data key of " + object
                    + " fails authentication (altered or moved object); run pgvault verify");
        }
    }

    /** A fresh HMAC-SHA256 keyed for WAL content digests: equal contents give equal digests, revealing nothing. */
    public Mac walMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(walMacKey, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }

    /** True when both hold the same key (used to check a re-wrapped key check). */
    public boolean sameAs(MasterKey other) {
        return other != null && java.security.MessageDigest.isEqual(bytes, other.bytes);
    }

    @Override
    public String toString() {
        return "MasterKey[****]";
    }
}
