package io.pgvault.core.stream;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.crypt.DataKey;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;

/**
 * The one way frames are written and read: compress then encrypt on write, decrypt then decompress on read. Every
 * stored frame (a file in a backup object, a WAL object's body, a manifest) goes through here, so a new kind of frame
 * only has to call {@link #writer} and {@link #reader}.
 *
 * <p>Without a key, frames are compressed only (an unencrypted repository). With one, each frame is a separate
 * AES-256-GCM-HKDF stream (Tink) whose associated data is {@code context} — the file path or object name the frame
 * belongs to — so a frame copied to another place fails authentication.
 *
 * @param codec compression
 * @param level compression level (0 for the codec's default)
 * @param key   data key, or null when the repository is not encrypted
 */
public record FrameCodec(Codec codec, int level, DataKey key) {

    public static FrameCodec plain(Codec codec, int level) {
        return new FrameCodec(codec, level, null);
    }

    public boolean encrypted() {
        return key != null;
    }

    /**
     * Wraps {@code out}: bytes written are compressed, then encrypted. Closing the result finishes the frame and
     * closes {@code out} (wrap it with {@link NonClosingOutputStream} to keep it open).
     */
    public OutputStream writer(OutputStream out, String context) throws IOException {
        if (key == null) {
            return codec.compress(out, level);
        }
        try {
            return codec.compress(key.streamingAead().newEncryptingStream(out, aad(context)), level);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot start an encrypted frame", e);
        }
    }

    /**
     * Wraps {@code in}, which must hold exactly one frame: bytes read are decrypted, then decompressed. A frame that
     * fails authentication (altered, truncated, moved, or another key) throws {@link PgVaultException} DAMAGED
     * naming {@code object}; failures of {@code in} itself pass through unchanged.
     */
    public InputStream reader(InputStream in, String context, String object) throws IOException {
        if (key == null) {
            return codec.decompress(in);
        }
        SourceGuard source = new SourceGuard(in);
        try {
            return codec.decompress(new AuthGuard(key.streamingAead().newDecryptingStream(source, aad(context)),
                    object));
        } catch (GeneralSecurityException e) {
            throw damaged(object);
        }
    }

    private static byte[] aad(String context) {
        return context.getBytes(StandardCharsets.UTF_8);
    }

    static PgVaultException damaged(String object) {
        return new PgVaultException(ErrorCode.DAMAGED, object + " fails decryption (altered, truncated or moved);"
                + " run pgvault verify");
    }

    /** Marks failures of the ciphertext source, so they are not taken for failed authentication. */
    private static final class SourceFailure extends IOException {
        SourceFailure(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    private static final class SourceGuard extends FilterInputStream {
        SourceGuard(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return in.read();
            } catch (IOException e) {
                throw new SourceFailure(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return in.read(b, off, len);
            } catch (IOException e) {
                throw new SourceFailure(e);
            }
        }
    }

    /** Turns Tink's authentication failures (IOExceptions) into DAMAGED naming the object. */
    private static final class AuthGuard extends FilterInputStream {
        private final String object;

        AuthGuard(InputStream in, String object) {
            super(in);
            this.object = object;
        }

        @Override
        public int read() throws IOException {
            try {
                return in.read();
            } catch (IOException e) {
                throw translate(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return in.read(b, off, len);
            } catch (IOException e) {
                throw translate(e);
            }
        }

        private IOException translate(IOException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof SourceFailure s) {
                    return (IOException) s.getCause();
                }
            }
            throw damaged(object);
        }
    }
}
