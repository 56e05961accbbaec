package io.pgvault.core.repo;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.crypt.DataKey;
import io.pgvault.core.crypt.MasterKey;
import io.pgvault.core.pg.WalFileName;
import io.pgvault.core.stream.Codec;
import io.pgvault.core.stream.ContentDigest;
import io.pgvault.core.stream.FrameCodec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The envelope of an archived WAL object: a fixed 64-byte header (magic, codec, flags, original size, digest of the
 * original bytes) followed by the compressed content. The header lets wal-push compare a re-pushed file with the
 * archived one by a ranged read, and lets wal-fetch verify what it restores.
 *
 * <p>In an encrypted repository the {@link #ENCRYPTED} flag is set, a 64-byte key block follows the header (the
 * object's own data key, wrapped by the master key), the content is one encrypted frame, and the digest is an
 * HMAC-SHA256 keyed from the master key instead of a SHA-256, so the header reveals nothing of the content.
 */
public final class WalObjectFormat {

    public static final int HEADER_LENGTH = 64;
    /** Header plus key block of an encrypted object. */
    public static final int ENCRYPTED_HEADER_LENGTH = 128;
    /** Flag bit: the content is encrypted and a key block follows the header. */
    public static final int ENCRYPTED = 0x01;
    private static final byte[] MAGIC = "PGVWAL\0\1".getBytes(StandardCharsets.ISO_8859_1);

    /**
     * The decoded header.
     *
     * @param wrappedKey the object's data key wrapped by the master key; null when not encrypted
     */
    public record Header(Codec codec, int flags, long originalSize, byte[] sha256, byte[] wrappedKey) {
        public Header(Codec codec, int flags, long originalSize, byte[] sha256) {
            this(codec, flags, originalSize, sha256, null);
        }

        public String sha256Hex() {
            return HexFormat.of().formatHex(sha256);
        }

        public boolean encrypted() {
            return (flags & ENCRYPTED) != 0;
        }

        public boolean sameContentAs(long size, byte[] digest) {
            return originalSize == size && Arrays.equals(sha256, digest);
        }
    }

    /** An opened object: its header and its original content. */
    public record Body(Header header, InputStream content) {
    }

    private WalObjectFormat() {
    }

    public static byte[] encode(Header header) {
        boolean encrypted = header.wrappedKey() != null;
        if (header.encrypted() && !encrypted) {
            throw new IllegalArgumentException("an encrypted WAL header needs its wrapped key");
        }
        ByteBuffer b = ByteBuffer.allocate(encrypted ? ENCRYPTED_HEADER_LENGTH : HEADER_LENGTH);
        b.put(MAGIC);
        b.put((byte) header.codec().id());
        b.put((byte) (encrypted ? header.flags() | ENCRYPTED : header.flags()));
        b.position(16);
        b.putLong(header.originalSize());
        b.put(header.sha256());
        if (encrypted) {
            if (header.wrappedKey().length > ENCRYPTED_HEADER_LENGTH - HEADER_LENGTH - 1) {
                throw new IllegalArgumentException("wrapped WAL key too long");
            }
            b.position(HEADER_LENGTH);
            b.put((byte) header.wrappedKey().length);
            b.put(header.wrappedKey());
        }
        return b.array();
    }

    /** The header length to read for a repository: {@link #ENCRYPTED_HEADER_LENGTH} when it is encrypted. */
    public static int headerLength(boolean encrypted) {
        return encrypted ? ENCRYPTED_HEADER_LENGTH : HEADER_LENGTH;
    }

    /**
     * Reads and checks the header (and key block, when flagged) from the start of an object.
     *
     * @throws PgVaultException with {@link ErrorCode#DAMAGED} naming the key when it is not a pgvault WAL object
     */
    public static Header read(InputStream in, String key) throws IOException {
        byte[] raw = in.readNBytes(HEADER_LENGTH);
        if (raw.length < HEADER_LENGTH || !Arrays.equals(Arrays.copyOf(raw, MAGIC.length), MAGIC)) {
            throw truncated(key);
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
        byte[] wrapped = null;
        if ((flags & ENCRYPTED) != 0) {
            byte[] block = in.readNBytes(ENCRYPTED_HEADER_LENGTH - HEADER_LENGTH);
            if (block.length < ENCRYPTED_HEADER_LENGTH - HEADER_LENGTH || (block[0] & 0xFF) > block.length - 1) {
                throw truncated(key);
            }
            wrapped = Arrays.copyOfRange(block, 1, 1 + (block[0] & 0xFF));
        }
        return new Header(codec, flags, size, sha, wrapped);
    }

    /**
     * Reads the header of {@code raw} and returns the original content that follows it, decrypted when the
     * repository is encrypted.
     *
     * @throws PgVaultException DAMAGED when the object's encryption does not match the repository's
     */
    public static Body open(InputStream raw, String key, WalFileName name, Optional<MasterKey> master)
            throws IOException {
        Header header = read(raw, key);
        return new Body(header, frames(header, key, name, master).reader(raw, context(name), key));
    }

    /** How the content of an object with {@code header} is framed. */
    static FrameCodec frames(Header header, String key, WalFileName name, Optional<MasterKey> master) {
        if (header.encrypted() != master.isPresent()) {
            throw new PgVaultException(ErrorCode.DAMAGED, "archived WAL object " + key + " is "
                    + (header.encrypted() ? "encrypted but the repository is not" : "not encrypted but the"
                    + " repository is (written by another tool, or replaced)") + "; run pgvault verify");
        }
        DataKey dataKey = master.map(m -> m.unwrap(header.wrappedKey(), context(name), key)).orElse(null);
        return new FrameCodec(header.codec(), 0, dataKey);
    }

    /** What a WAL object's key and frame are bound to: its WAL file name. */
    public static String context(WalFileName name) {
        return "wal " + name.name();
    }

    /** The digest recorded in headers: SHA-256, or HMAC-SHA256 under the master key when encrypted. */
    public static ContentDigest digest(Optional<MasterKey> master) {
        return master.map(m -> ContentDigest.hmac(m.walMac())).orElseGet(ContentDigest::sha256);
    }

    private static PgVaultException truncated(String key) {
        return new PgVaultException(ErrorCode.DAMAGED, "archived WAL object " + key
                + " is truncated or not a pgvault WAL object; run pgvault verify");
    }
}
