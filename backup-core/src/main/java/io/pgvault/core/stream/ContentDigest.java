package io.pgvault.core.stream;

import java.security.MessageDigest;
import javax.crypto.Mac;

/** A running digest of content: SHA-256, or an HMAC when the digest must not reveal the content (encryption). */
public final class ContentDigest {

    private final MessageDigest sha;
    private final Mac mac;

    private ContentDigest(MessageDigest sha, Mac mac) {
        this.sha = sha;
        this.mac = mac;
    }

    public static ContentDigest sha256() {
        return new ContentDigest(Sha256.newDigest(), null);
    }

    public static ContentDigest hmac(Mac mac) {
        return new ContentDigest(null, mac);
    }

    public void update(byte[] b, int off, int len) {
        if (sha != null) {
            sha.update(b, off, len);
        } else {
            mac.update(b, off, len);
        }
    }

    /** The digest (32 bytes); the instance is reset. */
    public byte[] digest() {
        return sha != null ? sha.digest() : mac.doFinal();
    }
}
