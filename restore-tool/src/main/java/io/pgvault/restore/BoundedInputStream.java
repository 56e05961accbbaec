package io.pgvault.restore;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Exposes exactly the next {@code limit} bytes of a shared stream and never closes it: decompressors that read ahead
 * cannot swallow the next file's frame in a bundle.
 */
final class BoundedInputStream extends FilterInputStream {
    private long remaining;

    BoundedInputStream(InputStream in, long limit) {
        super(in);
        this.remaining = limit;
    }

    @Override
    public int read() throws IOException {
        if (remaining <= 0) {
            return -1;
        }
        int b = in.read();
        if (b >= 0) {
            remaining--;
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (remaining <= 0) {
            return -1;
        }
        int n = in.read(b, off, (int) Math.min(len, remaining));
        if (n > 0) {
            remaining -= n;
        }
        return n;
    }

    /** Skips what the reader left unread, so the shared stream stands at the next frame. */
    void drain() throws IOException {
        while (remaining > 0) {
            long skipped = in.skip(remaining);
            if (skipped <= 0) {
                if (in.read() < 0) {
                    throw new IOException("object ended " + remaining + " bytes early");
                }
                skipped = 1;
            }
            remaining -= skipped;
        }
    }

    @Override
    public void close() {
        // the shared stream is closed by its owner
    }
}
