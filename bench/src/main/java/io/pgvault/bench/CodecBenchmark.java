package io.pgvault.bench;

import io.pgvault.core.crypt.DataKey;
import io.pgvault.core.pg.PageChecksum;
import io.pgvault.core.stream.Codec;
import io.pgvault.core.stream.FrameCodec;
import io.pgvault.core.stream.Sha256;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-byte paths of a backup and a restore, one 8 MiB "relation file" at a time: compressing a frame with each
 * codec (and, with {@code encrypted}, encrypting it as an encrypted repository does), reading it back, and SHA-256.
 * The data imitates heap pages: 8 KiB pages with a header, line pointers and rows of digits and repeated text, so
 * ratios are near what pgbench tables give. Throughput is reported in ops/s of 8 MiB (multiply by 8 for MiB/s).
 *
 * <p>Run with {@code bash bench/jmh.sh} (or {@code bash bench/jmh.sh CodecBenchmark.compress}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class CodecBenchmark {

    static final int SIZE = 8 * 1024 * 1024;

    @Param({"zstd", "lz4", "gzip", "none"})
    public String codec;

    @Param({"false", "true"})
    public boolean encrypted;

    private byte[] pages;
    private byte[] frame;
    private FrameCodec frames;
    private final ByteArrayOutputStream sink = new ByteArrayOutputStream(SIZE + 1024);
    private final byte[] buffer = new byte[256 * 1024];

    @Setup(Level.Trial)
    public void prepare() throws IOException {
        pages = heapLikePages(SIZE, 42);
        Codec c = Codec.parse(codec);
        frames = new FrameCodec(c, c.defaultLevel(), encrypted ? DataKey.generate() : null);
        frame = compressOnce();
    }

    static byte[] heapLikePages(int size, long seed) {
        Random r = new Random(seed);
        ByteBuffer b = ByteBuffer.allocate(size);
        while (b.remaining() >= 8192) {
            int start = b.position();
            b.putLong(r.nextLong() & 0xFFFFFFFFL); // page LSN
            b.putShort((short) 0).putShort((short) 0).putShort((short) 200).putShort((short) 8192);
            for (int i = 0; i < 50; i++) {
                b.putInt(0x8000 | r.nextInt(8192));
            }
            b.position(start + 400);
            while (b.position() < start + 8192 - 100) {
                b.putInt(r.nextInt(1_000_000)).putInt(r.nextInt(100)).putInt(0);
                for (int i = 0; i < 84; i++) {
                    b.put((byte) ' ');
                }
            }
            b.position(start + 8192);
        }
        return b.array();
    }

    private byte[] compressOnce() throws IOException {
        sink.reset();
        try (OutputStream out = frames.writer(sink, "base/5/16384")) {
            out.write(pages);
        }
        return sink.toByteArray();
    }

    @Benchmark
    public int compress() throws IOException {
        sink.reset();
        try (OutputStream out = frames.writer(sink, "base/5/16384")) {
            for (int off = 0; off < pages.length; off += buffer.length) {
                out.write(pages, off, Math.min(buffer.length, pages.length - off));
            }
        }
        return sink.size();
    }

    @Benchmark
    public long decompress() throws IOException {
        long n = 0;
        try (InputStream in = frames.reader(new ByteArrayInputStream(frame), "base/5/16384", "bench")) {
            int k;
            while ((k = in.read(buffer)) > 0) {
                n += k;
            }
        }
        return n;
    }

    @Benchmark
    public byte[] sha256() {
        if (!"none".equals(codec) || encrypted) {
            return new byte[0]; // one SHA-256 figure is enough: it does not depend on the codec
        }
        MessageDigest d = Sha256.newDigest();
        d.update(pages);
        return d.digest();
    }

    /** CRC-32C, which backups record next to SHA-256 and restore checks instead of re-hashing with SHA-256. */
    @Benchmark
    public long crc32c() {
        if (!"none".equals(codec) || encrypted) {
            return 0; // like sha256: one figure
        }
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(pages);
        return crc.getValue();
    }

    /** PostgreSQL's page checksum over the 8 MiB of pages, as the backup validates every relation page. */
    @Benchmark
    public int pageChecksums() {
        if (!"none".equals(codec) || encrypted) {
            return 0; // like sha256: one figure
        }
        int x = 0;
        for (int off = 0; off < pages.length; off += PageChecksum.PAGE_SIZE) {
            x ^= PageChecksum.compute(pages, off, off / PageChecksum.PAGE_SIZE);
        }
        return x;
    }
}
