package io.pgvault.core.stream;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdException;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * zstd compression as a run of independent frames of at most {@link #CHUNK} bytes of input each, every frame
 * compressed in one call with a reused context. Any zstd reader decodes concatenated frames as one stream, so what this
 * writes reads back like one frame.
 *
 * <p>Why not zstd's streaming compressor: it keeps its window in a ring buffer, and once the ring wraps every block is
 * compressed by the slower "external dictionary" search, which profiling showed in most of a backup's compression
 * time. A one-shot frame has its whole input in one piece. Measured on pgbench data at level 3: a third less CPU for
 * table files, 15% less for WAL, with 1% larger output for WAL and 7% smaller for tables (a frame that knows its size
 * gets a better-fitting table size).
 *
 * <p>An empty stream still writes one (empty) frame, so every stored file is a valid zstd frame. Buffers and contexts
 * are pooled: a backup opens one stream per file, 20,000 of them for a database of small tables.
 */
final class ZstdChunkOutputStream extends OutputStream {
    /** The input per frame: a small part of a 1 GiB relation file, and within zstd's level-3 window of 2 MiB. */
    static final int CHUNK = 1 << 20;
    /** Idle chunkers kept for reuse; one per worker thread is enough, the rest are freed. */
    private static final ArrayBlockingQueue<Chunker> IDLE = new ArrayBlockingQueue<>(8);

    private final OutputStream out;
    private final int level;
    private Chunker chunker;
    private int pending;
    private long frames;

    ZstdChunkOutputStream(OutputStream out, int level) {
        this.out = out;
        this.level = level;
        Chunker idle = IDLE.poll();
        this.chunker = idle != null ? idle : new Chunker();
    }

    @Override
    public void write(int b) throws IOException {
        open().input[pending++] = (byte) b;
        if (pending == CHUNK) {
            emitPending();
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Chunker c = open();
        while (len > 0) {
            if (pending == 0 && len >= CHUNK) {
                emit(c, b, off, CHUNK);   // a whole chunk of the caller's array: no copy
                off += CHUNK;
                len -= CHUNK;
                continue;
            }
            int n = Math.min(len, CHUNK - pending);
            System.arraycopy(b, off, c.input, pending, n);
            pending += n;
            off += n;
            len -= n;
            if (pending == CHUNK) {
                emitPending();
            }
        }
    }

    /** Finishes a frame with what was written so far (so it can be read back) and flushes the stream below. */
    @Override
    public void flush() throws IOException {
        open();
        if (pending > 0) {
            emitPending();
        }
        out.flush();
    }

    /** Writes the last frame (an empty one if nothing was written at all) and closes the stream below. */
    @Override
    public void close() throws IOException {
        if (chunker == null) {
            return;
        }
        try {
            if (pending > 0 || frames == 0) {
                emitPending();
            }
            out.close();
        } finally {
            Chunker c = chunker;
            chunker = null;
            if (!IDLE.offer(c)) {
                c.context.close();
            }
        }
    }

    private Chunker open() throws IOException {
        if (chunker == null) {
            throw new IOException("zstd stream is closed");
        }
        return chunker;
    }

    private void emitPending() throws IOException {
        emit(chunker, chunker.input, 0, pending);
        pending = 0;
    }

    private void emit(Chunker c, byte[] src, int off, int len) throws IOException {
        int n;
        try {
            c.context.setLevel(level);
            n = c.context.compressByteArray(c.output, 0, c.output.length, src, off, len);
        } catch (ZstdException e) {
            throw new IOException("zstd compression failed: " + e.getMessage(), e);
        }
        out.write(c.output, 0, n);
        frames++;
    }

    /** A compression context with its input and output buffers. */
    private static final class Chunker {
        final ZstdCompressCtx context = new ZstdCompressCtx();
        final byte[] input = new byte[CHUNK];
        final byte[] output = new byte[(int) Zstd.compressBound(CHUNK)];
    }
}
