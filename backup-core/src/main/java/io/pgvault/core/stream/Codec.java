package io.pgvault.core.stream;

import com.github.luben.zstd.RecyclingBufferPool;
import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import net.jpountz.lz4.LZ4FrameInputStream;
import net.jpountz.lz4.LZ4FrameOutputStream;

/**
 * Compression as a stream filter. Each codec writes a self-delimiting frame, so several compressed files can be
 * concatenated in one object and read back by offset and length. Closing a compressing stream finishes the frame and
 * closes the stream below it — wrap with {@link NonClosingOutputStream} to keep that one open.
 */
public enum Codec {
    ZSTD("zst", 1, 3, 19),
    LZ4("lz4", 2, 0, 0),
    GZIP("gz", 3, 6, 9),
    NONE("raw", 0, 0, 0);

    /** zstd levels up to this one write 1 MiB frames; higher levels, chosen for ratio, one frame per file. */
    static final int MAX_CHUNKED_ZSTD_LEVEL = 9;

    private final String extension;
    private final int id;
    private final int defaultLevel;
    private final int maxLevel;

    Codec(String extension, int id, int defaultLevel, int maxLevel) {
        this.extension = extension;
        this.id = id;
        this.defaultLevel = defaultLevel;
        this.maxLevel = maxLevel;
    }

    /** File-name extension of objects in this codec, without the dot. */
    public String extension() {
        return extension;
    }

    /** Stable one-byte id used in object headers. */
    public int id() {
        return id;
    }

    public int defaultLevel() {
        return defaultLevel;
    }

    /** Validates a level for this codec; 0 means the default. */
    public int checkLevel(int level) {
        if (level == 0) {
            return defaultLevel;
        }
        if (level < 1 || level > maxLevel) {
            throw new IllegalArgumentException("compression level " + level + " is out of range for " + name()
                    .toLowerCase(Locale.ROOT) + (maxLevel == 0 ? " (it takes no level)" : " (1-" + maxLevel + ")"));
        }
        return level;
    }

    /** The codec named on the command line: zstd, lz4, gzip or none. */
    public static Codec parse(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        return switch (n) {
            case "zstd", "zst" -> ZSTD;
            case "lz4" -> LZ4;
            case "gzip", "gz" -> GZIP;
            case "none", "raw" -> NONE;
            default -> throw new IllegalArgumentException("unknown compression '" + name
                    + "' (expected zstd, lz4, gzip or none)");
        };
    }

    public static Codec byId(int id) {
        return Arrays.stream(values()).filter(c -> c.id == id).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown codec id " + id));
    }

    public static Codec byExtension(String ext) {
        return Arrays.stream(values()).filter(c -> c.extension.equals(ext)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown codec extension '" + ext + "'"));
    }

    /** Wraps {@code out} so bytes written are compressed; closing the result finishes the frame and closes out. */
    public OutputStream compress(OutputStream out, int level) throws IOException {
        int lvl = level == 0 ? defaultLevel : level;
        return switch (this) {
            // the fast levels compress 1 MiB frames one-shot (see ZstdChunkOutputStream for why); the slow ones are
            // chosen for ratio, so they keep one streamed frame and zstd's full window. No finalizer (every frame is
            // closed where it is opened) and pooled buffers: a backup of 20,000 small files opens 20,000 frames, and
            // finalizable streams holding 128 KiB each outran a small heap
            case ZSTD -> lvl <= MAX_CHUNKED_ZSTD_LEVEL ? new ZstdChunkOutputStream(out, lvl)
                    : new ZstdOutputStreamNoFinalizer(out, RecyclingBufferPool.INSTANCE, lvl);
            // 256 KiB blocks: each frame allocates its block buffers, and most frames are small files
            case LZ4 -> new LZ4FrameOutputStream(out, LZ4FrameOutputStream.BLOCKSIZE.SIZE_256KB);
            case GZIP -> new GZIPOutputStream(out, 64 * 1024) {
                {
                    def.setLevel(lvl == 0 ? Deflater.DEFAULT_COMPRESSION : lvl);
                }
            };
            case NONE -> out;
        };
    }

    /** Wraps {@code in} so bytes read are decompressed (one frame or concatenated frames). */
    public InputStream decompress(InputStream in) throws IOException {
        return switch (this) {
            case ZSTD -> new ZstdPooledInputStream(in);
            case LZ4 -> new LZ4FrameInputStream(in);
            case GZIP -> new GZIPInputStream(in, 64 * 1024);
            case NONE -> in;
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
