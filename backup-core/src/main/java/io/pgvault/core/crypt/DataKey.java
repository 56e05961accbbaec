package io.pgvault.core.crypt;

import com.google.crypto.tink.StreamingAead;
import com.google.crypto.tink.subtle.AesGcmHkdfStreaming;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;

/**
 * A random 256-bit key that encrypts the contents of one backup or one WAL object. It is the input key of Tink's
 * AES-256-GCM-HKDF streaming AEAD: every stream (frame) derives its own key from it with a random salt, so one data
 * key safely encrypts many frames. 256 KiB ciphertext segments keep memory bounded whatever the object size; they
 * cost 16 bytes of tag each (0.006%), and a frame's buffers are one segment, which keeps bundles of small files
 * cheap (a 1 MiB segment made each small frame about four times slower to write and read). The segment size is part
 * of the format: changing it needs a new {@link #ALGORITHM} name.
 */
public final class DataKey {

    public static final int LENGTH = 32;
    /** What manifests record of frames encrypted with data keys. */
    public static final String ALGORITHM = "aes-256-gcm-hkdf-sha256-256k";
    static final int SEGMENT_SIZE = 256 * 1024;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] bytes;
    private final StreamingAead aead;

    DataKey(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("a data key has " + LENGTH + " bytes, not " + bytes.length);
        }
        this.bytes = bytes.clone();
        try {
            this.aead = new AesGcmHkdfStreaming(this.bytes, "HmacSha256", LENGTH, SEGMENT_SIZE, 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-GCM is not available in this JVM", e);
        }
    }

    public static DataKey generate() {
        byte[] b = new byte[LENGTH];
        RANDOM.nextBytes(b);
        return new DataKey(b);
    }

    byte[] bytes() {
        return bytes.clone();
    }

    /** The streaming AEAD of this key (thread-safe). */
    public StreamingAead streamingAead() {
        return aead;
    }

    @Override
    public String toString() {
        return "DataKey[****]";
    }
}
