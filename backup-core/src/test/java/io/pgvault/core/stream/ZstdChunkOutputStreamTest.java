package io.pgvault.core.stream;

import static io.pgvault.core.stream.CodecTest.compress;
import static io.pgvault.core.stream.CodecTest.decompress;
import static io.pgvault.core.stream.CodecTest.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.Zstd;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ZstdChunkOutputStreamTest {
    private static final int CHUNK = ZstdChunkOutputStream.CHUNK;

    @Test
    void fastLevelsWriteOneMebibyteFramesThatReadBackAsOneStream() throws IOException {
        byte[] data = sample(3 * CHUNK + 12_345, 21);
        byte[] stored = compress(Codec.ZSTD, 3, data);
        // the first frame's header says how much it holds: one chunk, not the whole file
        assertThat(Zstd.getFrameContentSize(stored)).isEqualTo(CHUNK);
        assertThat(decompress(Codec.ZSTD, stored)).isEqualTo(data);
    }

    @Test
    void slowLevelsKeepOneStreamedFrame() throws IOException {
        byte[] data = sample(2 * CHUNK, 22);
        byte[] stored = compress(Codec.ZSTD, Codec.MAX_CHUNKED_ZSTD_LEVEL + 1, data);
        assertThat(Zstd.getFrameContentSize(stored)).isNotEqualTo(CHUNK);
        assertThat(decompress(Codec.ZSTD, stored)).isEqualTo(data);
    }

    /** Writes of every shape: single bytes across a frame's end, exact chunks, and writes spanning several frames. */
    @Test
    void anyMixOfWriteSizesRoundTrips() throws IOException {
        byte[] data = sample(5 * CHUNK + 777, 23);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int pos = 0;
        try (OutputStream z = Codec.ZSTD.compress(out, 1)) {
            z.write(data, pos, CHUNK - 3);
            pos += CHUNK - 3;
            for (int i = 0; i < 10; i++) {
                z.write(data[pos++]);
            }
            z.write(data, pos, CHUNK - 7);   // ends exactly on a frame's end
            pos += CHUNK - 7;
            z.write(data, pos, CHUNK);       // a whole chunk straight from the caller's array
            pos += CHUNK;
            z.write(data, pos, data.length - pos);
        }
        assertThat(decompress(Codec.ZSTD, out.toByteArray())).isEqualTo(data);
    }

    @Test
    void anEmptyStreamIsOneValidEmptyFrame() throws IOException {
        byte[] stored = compress(Codec.ZSTD, 3, new byte[0]);
        assertThat(stored).isNotEmpty();
        assertThat(Zstd.getFrameContentSize(stored)).isZero();
        assertThat(decompress(Codec.ZSTD, stored)).isEmpty();
    }

    @Test
    void flushMakesWhatWasWrittenReadable() throws IOException {
        byte[] data = sample(100_000, 24);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        OutputStream z = Codec.ZSTD.compress(out, 3);
        z.write(data, 0, 60_000);
        z.flush();
        assertThat(decompress(Codec.ZSTD, out.toByteArray())).isEqualTo(Arrays.copyOf(data, 60_000));
        z.write(data, 60_000, 40_000);
        z.close();
        assertThat(decompress(Codec.ZSTD, out.toByteArray())).isEqualTo(data);
    }

    @Test
    void aClosedStreamRefusesWritesAndClosesOnce() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        OutputStream z = Codec.ZSTD.compress(out, 3);
        z.write(1);
        z.close();
        int size = out.size();
        z.close();
        assertThat(out.size()).isEqualTo(size);
        assertThatThrownBy(() -> z.write(2)).isInstanceOf(IOException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> z.write(new byte[3], 0, 3)).isInstanceOf(IOException.class);
    }

    /** Pooled contexts and buffers carry nothing from one stream to the next, whatever the level and thread. */
    @Test
    void reusedContextsKeepStreamsApart() throws Exception {
        Runnable work = () -> {
            try {
                for (int i = 0; i < 40; i++) {
                    byte[] data = sample(i * 37_000 + (i % 3) * CHUNK, i);
                    int level = 1 + i % Codec.MAX_CHUNKED_ZSTD_LEVEL;
                    assertThat(decompress(Codec.ZSTD, compress(Codec.ZSTD, level, data))).isEqualTo(data);
                }
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        };
        Thread[] threads = new Thread[3];
        Throwable[] failure = new Throwable[1];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = new Thread(work);
            threads[t].setUncaughtExceptionHandler((th, e) -> failure[0] = e);
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(failure[0]).isNull();
    }

    @Test
    void aFailingTargetStillReturnsTheContext() throws IOException {
        OutputStream broken = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("disk full");
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                throw new IOException("disk full");
            }
        };
        for (int i = 0; i < 20; i++) {   // more than the pool holds: every context is returned or freed
            OutputStream z = Codec.ZSTD.compress(broken, 3);
            assertThatThrownBy(z::close).isInstanceOf(IOException.class).hasMessage("disk full");
        }
    }
}
