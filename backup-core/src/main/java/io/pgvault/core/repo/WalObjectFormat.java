package io.pgvault.core.repo;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.stream.Codec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The envelope of an archived WAL object: a fixed 64-byte header (magic, codec, flags, original size, SHA-256 of the
 * original bytes) followed by the compressed content. The header lets wal-push compare a re-pushed file with the
 * archived one by a ranged read of 64 bytes, and lets wal-fetch verify what it restores.
 */
public final class WalObjectFormat {

    public static final int HEADER_LENGTH = 64;
    private static final byte[] MAGIC = "PGVWAL\0\1".getBytes(StandardCharsets.ISO_8859_1);

    /** The decoded header. */
    public record Header(Codec codec, int flags, long originalSize, byte[] sha256) {
        public String sha256Hex() {
            return HexFormat.of().formatHex(sha256);
        }

        public boolean sameContentAs(long size, byte[] digest) {
            return originalSize == size && Arrays.equals(sha256, digest);
        }
    }

    private WalObjectFormat() {
    }

    public static byte[] encode(Header header) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_LENGTH);
        b.put(MAGIC);
        b.put((byte) header.codec().id());
        b.put((byte) header.flags());
        b.position(16);
        b.putLong(header.originalSize());
        b.put(header.sha256());
        return b.array();
    }

    /**
     * Reads and checks the header from the start of an object.
     *
     * @throws PgVaultException with {@link ErrorCode#DAMAGED} naming the key when it is not a pgvault WAL object
     */
    public static Header read(InputStream in, String key) throws IOException {
        byte[] raw = in.readNBytes(HEADER_LENGTH);
        if (raw.length < HEADER_LENGTH || !Arrays.equals(Arrays.copyOf(raw, MAGIC.length), MAGIC)) {
            throw new PgVaultException(ErrorCode.DAMAGED, "archived WAL object " + key
                    + " is truncated or not a pgvault WAL object; run pgvault verify");
        }
        ByteBuffer b = ByteBuffer.wrap(raw);
        Codec codec;
        try {
            codec = Codec.byId(raw[8]);
        } catch (IllegalArgumentException e) {
            throw new PgVaultException(ErrorCode.DAMAGED, "archived WAL object " + key + " names an unknown codec");
        }
        int flags = raw[9] & 0xFF;
        long size = b.getLong(16);
        byte[] sha = Arrays.copyOfRange(raw, 24, 56);
        return new Header(codec, flags, size, sha);
    }
}
