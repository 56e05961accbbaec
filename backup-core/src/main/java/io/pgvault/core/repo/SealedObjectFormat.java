package io.pgvault.core.repo;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.crypt.DataKey;
import io.pgvault.core.crypt.MasterKey;
import io.pgvault.core.stream.Codec;
import io.pgvault.core.stream.FrameCodec;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The envelope of a small object stored encrypted as a whole (a backup's manifest, a relation): magic, the object's
 * data key wrapped by the master key, then the content as one encrypted frame. A manifest's data key is also the key
 * of its backup's data frames, so the key exists exactly as long as the manifest does.
 */
public final class SealedObjectFormat {

    private static final byte[] MAGIC = "PGVENC\0\1".getBytes(StandardCharsets.ISO_8859_1);

    /** An opened object: its data key and its decrypted content. */
    public record Opened(DataKey key, InputStream content) {
    }

    private SealedObjectFormat() {
    }

    /** True when {@code head} (at least 8 bytes) starts a sealed object; plaintext JSON never does. */
    static boolean isSealed(byte[] head) {
        return head.length >= MAGIC.length && Arrays.equals(Arrays.copyOf(head, MAGIC.length), MAGIC);
    }

    /**
     * Writes the header and returns the stream to write the content to; closing it finishes the object's frame and
     * closes {@code out}.
     */
    public static OutputStream write(OutputStream out, MasterKey master, DataKey key, String context)
            throws IOException {
        byte[] wrapped = master.wrap(key, context);
        DataOutputStream header = new DataOutputStream(out);
        header.write(MAGIC);
        header.writeShort(wrapped.length);
        header.write(wrapped);
        header.flush();
        return new FrameCodec(Codec.NONE, 0, key).writer(out, context);
    }

    /**
     * Reads the header and returns the data key with the decrypting content stream.
     *
     * @throws PgVaultException DAMAGED naming {@code object} when it is not a sealed object or its key fails
     */
    public static Opened open(InputStream in, MasterKey master, String context, String object) throws IOException {
        DataKey key = readKey(in, master, context, object);
        return new Opened(key, new FrameCodec(Codec.NONE, 0, key).reader(in, context, object));
    }

    /** Reads only the header: the object's data key. */
    public static DataKey readKey(InputStream in, MasterKey master, String context, String object)
            throws IOException {
        DataInputStream data = new DataInputStream(in);
        try {
            byte[] magic = new byte[MAGIC.length];
            data.readFully(magic);
            if (!isSealed(magic)) {
                throw new PgVaultException(ErrorCode.DAMAGED, object + " is not encrypted although the repository"
                        + " is (written by another tool, or replaced); run pgvault verify");
            }
            int length = data.readUnsignedShort();
            byte[] wrapped = new byte[length];
            data.readFully(wrapped);
            return master.unwrap(wrapped, context, object);
        } catch (EOFException e) {
            throw new PgVaultException(ErrorCode.DAMAGED, object + " is truncated; run pgvault verify");
        }
    }
}
