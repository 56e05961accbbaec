package io.pgvault.restore;

import io.pgvault.core.manifest.FileEntry;
import io.pgvault.core.stream.Crc32c;
import io.pgvault.core.stream.Sha256;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.zip.CRC32C;

/**
 * Checks restored bytes against the manifest: by their CRC-32C where the backup recorded one (every file since
 * pgvault records it), which the CPU computes in hardware at a tenth of SHA-256's cost, else by their SHA-256.
 * Either catches damage or a wrongly put together file; {@code pgvault verify} re-hashes the repository with SHA-256.
 */
final class ContentCheck {

    private final String expected;
    private final CRC32C crc;
    private final MessageDigest sha;

    private ContentCheck(String expected, CRC32C crc, MessageDigest sha) {
        this.expected = expected;
        this.crc = crc;
        this.sha = sha;
    }

    /** The check of a file or of one part of a ranged file ({@link FileEntry#parts()}). */
    static ContentCheck of(FileEntry entry) {
        String crc32c = entry.contentCrc32c();
        if (crc32c != null) {
            return new ContentCheck(crc32c, new CRC32C(), null);
        }
        return new ContentCheck(entry.sha256(), null, Sha256.newDigest());
    }

    void update(byte[] b, int off, int len) {
        if (crc != null) {
            crc.update(b, off, len);
        } else {
            sha.update(b, off, len);
        }
    }

    void update(ByteBuffer bytes) {
        if (crc != null) {
            crc.update(bytes);
        } else {
            sha.update(bytes);
        }
    }

    /** True when the bytes given so far have the recorded checksum. */
    boolean matches() {
        String actual = crc != null ? Crc32c.hex((int) crc.getValue()) : Sha256.hex(sha.digest());
        return actual.equals(expected);
    }

    /** The algorithm checked, for messages. */
    String algorithm() {
        return crc != null ? "CRC-32C" : "SHA-256";
    }
}
