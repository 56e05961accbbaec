package io.pgvault.core.stream;

import static io.pgvault.core.stream.CodecTest.compress;
import static io.pgvault.core.stream.CodecTest.decompress;
import static io.pgvault.core.stream.CodecTest.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.RecyclingBufferPool;
import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ZstdPooledInputStreamTest {

    /** A frame as zstd-jni's streaming compressor wrote it: what every backup before 1 MiB frames holds. */
    @Test
    void readsOneStreamedFrame() throws IOException {
        byte[] data = sample(3 * 1024 * 1024 + 5, 31);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream z = new ZstdOutputStreamNoFinalizer(out, RecyclingBufferPool.INSTANCE, 3)) {
            z.write(data);
        }
        assertThat(decompress(Codec.ZSTD, out.toByteArray())).isEqualTo(data);
    }

    /**
     * Sizes where a frame ends exactly as the 128 KiB output buffer fills: every full 1 MiB frame, and a streamed
     * frame of a whole number of blocks (a 1 GiB relation segment).
     */
    @Test
    void framesEndingExactlyAtTheOutputBuffersEnd() throws IOException {
        for (int size : new int[] {128 * 1024, 256 * 1024, 1024 * 1024, 2 * 1024 * 1024, 3 * 1024 * 1024 + 128 * 1024}) {
            byte[] data = sample(size, size);
            for (int level : new int[] {3, 19}) {
                assertThat(decompress(Codec.ZSTD, compress(Codec.ZSTD, level, data))).as("%d bytes, level %d",
                        size, level).isEqualTo(data);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (OutputStream z = new ZstdOutputStreamNoFinalizer(out, RecyclingBufferPool.INSTANCE, 3)) {
                z.write(data);
            }
            assertThat(decompress(Codec.ZSTD, out.toByteArray())).as("%d bytes streamed", size).isEqualTo(data);
            byte[] zeros = new byte[size];
            assertThat(decompress(Codec.ZSTD, compress(Codec.ZSTD, 3, zeros))).isEqualTo(zeros);
        }
    }

    @Test
    void endsCleanlyOnlyBetweenFrames() throws IOException {
        byte[] data = sample(2 * 1024 * 1024 + 99, 32);
        for (int level : new int[] {3, 19}) {   // 1 MiB frames, and one streamed frame
            byte[] stored = compress(Codec.ZSTD, level, data);
            for (int cut : new int[] {1, 3, 17, stored.length / 3, stored.length / 2, stored.length - 4}) {
                byte[] shorter = Arrays.copyOf(stored, stored.length - cut);
                assertThatThrownBy(() -> decompress(Codec.ZSTD, shorter)).as("level %d, %d bytes cut", level, cut)
                        .isInstanceOf(IOException.class);
            }
        }
        assertThat(decompress(Codec.ZSTD, new byte[0])).isEmpty();
    }

    @Test
    void garbageAfterAFrameFails() throws IOException {
        byte[] stored = compress(Codec.ZSTD, 3, sample(10_000, 33));
        byte[] tail = Arrays.copyOf(stored, stored.length + 16);
        Arrays.fill(tail, stored.length, tail.length, (byte) 0x5a);
        assertThatThrownBy(() -> decompress(Codec.ZSTD, tail)).isInstanceOf(IOException.class)
                .hasMessageStartingWith("zstd: ");
    }

    /** A stream given up halfway leaves its pooled context mid-frame: the next stream must not see any of it. */
    @Test
    void abandonedStreamsLeaveNothingBehind() throws IOException {
        byte[] big = sample(3 * 1024 * 1024, 34);
        byte[] bigStored = compress(Codec.ZSTD, 3, big);
        byte[] small = sample(5_000, 35);
        byte[] smallStored = compress(Codec.ZSTD, 3, small);
        for (int i = 0; i < 20; i++) {
            try (InputStream z = Codec.ZSTD.decompress(new ByteArrayInputStream(bigStored))) {
                assertThat(z.readNBytes(1000 + i * 7777)).isEqualTo(Arrays.copyOf(big, 1000 + i * 7777));
            }
            assertThat(decompress(Codec.ZSTD, smallStored)).isEqualTo(small);
        }
    }

    /** Restore reads into a direct buffer through the channel side, mixed here with array reads and buffer sizes. */
    @Test
    void readsIntoDirectAndHeapBuffers() throws IOException {
        byte[] data = sample(2 * 1024 * 1024 + 4321, 38);
        try (InputStream z = Codec.ZSTD.decompress(new ByteArrayInputStream(compress(Codec.ZSTD, 3, data)))) {
            ReadableByteChannel channel = (ReadableByteChannel) z;
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            int[] sizes = {1, 7, 4096, 128 * 1024, 300 * 1024};
            for (int i = 0; ; i++) {
                int size = sizes[i % sizes.length];
                int n;
                if (i % 3 == 2) {
                    byte[] b = new byte[size];
                    n = z.read(b, 0, size);
                    if (n > 0) {
                        got.write(b, 0, n);
                    }
                } else {
                    ByteBuffer bb = i % 3 == 0 ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size);
                    n = channel.read(bb);
                    assertThat(n).isNotZero();
                    bb.flip();
                    byte[] b = new byte[bb.remaining()];
                    bb.get(b);
                    got.write(b);
                }
                if (n < 0) {
                    break;
                }
            }
            assertThat(got.toByteArray()).isEqualTo(data);
            assertThat(channel.isOpen()).isTrue();
        }
    }

    @Test
    void singleByteReadsAndAvailable() throws IOException {
        byte[] data = sample(3000, 36);
        try (InputStream z = Codec.ZSTD.decompress(new ByteArrayInputStream(compress(Codec.ZSTD, 3, data)))) {
            assertThat(z.available()).isZero();
            assertThat(z.read()).isEqualTo(data[0] & 0xff);
            assertThat(z.available()).isEqualTo(data.length - 1);
            ByteArrayOutputStream rest = new ByteArrayOutputStream();
            int b;
            while ((b = z.read()) >= 0) {
                rest.write(b);
            }
            assertThat(rest.toByteArray()).isEqualTo(Arrays.copyOfRange(data, 1, data.length));
            assertThat(z.read(new byte[4], 0, 4)).isEqualTo(-1);
            assertThat(z.read(new byte[4], 0, 0)).isZero();
        }
    }

    @Test
    void aClosedStreamRefusesReadsAndClosesItsSourceOnce() throws IOException {
        int[] closes = {0};
        InputStream source = new ByteArrayInputStream(compress(Codec.ZSTD, 3, sample(100, 37))) {
            @Override
            public void close() {
                closes[0]++;
            }
        };
        InputStream z = Codec.ZSTD.decompress(source);
        z.close();
        z.close();
        assertThat(closes[0]).isEqualTo(1);
        assertThatThrownBy(z::read).isInstanceOf(IOException.class).hasMessageContaining("closed");
    }

    @Test
    void threadsShareThePoolSafely() throws Exception {
        Throwable[] failure = new Throwable[1];
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            int seed = t;
            threads[t] = new Thread(() -> {
                try {
                    for (int i = 0; i < 30; i++) {
                        byte[] data = sample(i * 41_000 + seed, seed * 100 + i);
                        assertThat(decompress(Codec.ZSTD, compress(Codec.ZSTD, 1 + i % 19, data))).isEqualTo(data);
                    }
                } catch (Throwable e) {
                    failure[0] = e;
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(failure[0]).isNull();
    }
}
