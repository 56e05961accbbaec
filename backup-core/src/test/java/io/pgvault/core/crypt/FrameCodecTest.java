package io.pgvault.core.crypt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.stream.Codec;
import io.pgvault.core.stream.FrameCodec;
import io.pgvault.core.stream.Sha256;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Encrypted frames: round trips of every size class, bounded memory, and tamper detection. */
class FrameCodecTest {

    private static final String PATH = "base/5/16384";
    private final DataKey key = DataKey.generate();

    static byte[] sample(int size, long seed) {
        byte[] data = new byte[size];
        Random r = new Random(seed);
        for (int i = 0; i < size; i++) {
            data[i] = (byte) (r.nextInt(4) == 0 ? r.nextInt() : 'a' + i % 7); // compressible, not trivially
        }
        return data;
    }

    private static byte[] write(FrameCodec frames, byte[] data, String context) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream w = frames.writer(out, context)) {
            w.write(data);
        }
        return out.toByteArray();
    }

    private static byte[] read(FrameCodec frames, byte[] stored, String context) throws IOException {
        try (InputStream in = frames.reader(new ByteArrayInputStream(stored), context, "obj")) {
            return in.readAllBytes();
        }
    }

    @ParameterizedTest
    @EnumSource(Codec.class)
    void roundTripsEmptyOneByteAndSeveralSegments(Codec codec) throws IOException {
        FrameCodec frames = new FrameCodec(codec, 0, key);
        // several segments: more than 3 MiB of ciphertext even after compression, for incompressible data
        byte[] several = new byte[3 * DataKey.SEGMENT_SIZE + 17];
        new Random(7).nextBytes(several);
        for (byte[] data : new byte[][] {new byte[0], {42}, sample(100_000, 1), several}) {
            byte[] stored = write(frames, data, PATH);
            assertThat(read(frames, stored, PATH)).as("%d bytes", data.length).isEqualTo(data);
            assertThat(stored.length).isGreaterThan(16); // header and tag even when empty
        }
    }

    @Test
    void storedBytesRevealNoPlaintext() throws IOException {
        byte[] data = "PG_VERSION marker-abc-123 PG_VERSION marker-abc-123".repeat(100).getBytes();
        byte[] stored = write(new FrameCodec(Codec.NONE, 0, key), data, PATH);
        assertThat(new String(stored, java.nio.charset.StandardCharsets.ISO_8859_1))
                .doesNotContain("PG_VERSION").doesNotContain("marker-abc");
        // the same content twice gives different ciphertexts (random per-frame salt and nonce)
        assertThat(write(new FrameCodec(Codec.NONE, 0, key), data, PATH)).isNotEqualTo(stored);
    }

    @Test
    void framesConcatenateInOneObjectAndReadBackByOffset() throws IOException {
        FrameCodec frames = new FrameCodec(Codec.ZSTD, 0, key);
        byte[] a = sample(5000, 2);
        byte[] b = sample(70_000, 3);
        byte[] fa = write(frames, a, "a");
        byte[] fb = write(frames, b, "b");
        byte[] object = new byte[fa.length + fb.length];
        System.arraycopy(fa, 0, object, 0, fa.length);
        System.arraycopy(fb, 0, object, fa.length, fb.length);
        assertThat(read(frames, java.util.Arrays.copyOfRange(object, fa.length, object.length), "b")).isEqualTo(b);
        assertThat(read(frames, java.util.Arrays.copyOfRange(object, 0, fa.length), "a")).isEqualTo(a);
    }

    /** Ciphertext is consumed segment by segment: plaintext flows out long before the frame has been read. */
    @Test
    void largeStreamDecryptsWithBoundedLookahead(@TempDir Path dir) throws IOException {
        FrameCodec frames = new FrameCodec(Codec.NONE, 0, key);
        long total = 64L * 1024 * 1024;
        Path file = dir.resolve("frame");
        MessageDigest written = Sha256.newDigest();
        byte[] chunk = new byte[256 * 1024];
        Random r = new Random(5);
        try (OutputStream w = frames.writer(Files.newOutputStream(file), PATH)) {
            for (long n = 0; n < total; n += chunk.length) {
                r.nextBytes(chunk);
                written.update(chunk);
                w.write(chunk);
            }
        }
        long[] consumed = {0};
        InputStream counting = new FilterInputStream(Files.newInputStream(file)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                consumed[0] += Math.max(n, 0);
                return n;
            }
        };
        MessageDigest read = Sha256.newDigest();
        long plain = 0;
        long worstLead = 0;
        try (InputStream in = frames.reader(counting, PATH, "frame")) {
            int n;
            while ((n = in.read(chunk)) > 0) {
                read.update(chunk, 0, n);
                plain += n;
                worstLead = Math.max(worstLead, consumed[0] - plain);
            }
        }
        assertThat(plain).isEqualTo(total);
        assertThat(read.digest()).isEqualTo(written.digest());
        // never more than two segments ahead of the plaintext handed out: memory does not grow with the frame
        assertThat(worstLead).isLessThanOrEqualTo(2L * DataKey.SEGMENT_SIZE + 1024);
    }

    @Test
    void flippedByteAnywhereIsDamagedNamingTheObject() throws IOException {
        FrameCodec frames = new FrameCodec(Codec.ZSTD, 0, key);
        byte[] stored = write(frames, sample(200_000, 4), PATH);
        for (int pos : new int[] {0, 5, stored.length / 2, stored.length - 1}) {
            byte[] bad = stored.clone();
            bad[pos] ^= 0x01;
            assertThatThrownBy(() -> read(frames, bad, PATH)).as("byte %d", pos)
                    .isInstanceOf(PgVaultException.class)
                    .satisfies(e -> assertThat(((PgVaultException) e).code()).isEqualTo(ErrorCode.DAMAGED))
                    .hasMessageContaining("obj");
        }
    }

    @Test
    void truncatedMovedOrForeignFramesFail() throws IOException {
        FrameCodec frames = new FrameCodec(Codec.NONE, 0, key);
        byte[] stored = write(frames, sample(3 * DataKey.SEGMENT_SIZE, 6), PATH);
        byte[] cut = java.util.Arrays.copyOf(stored, stored.length - DataKey.SEGMENT_SIZE);
        assertThatThrownBy(() -> read(frames, cut, PATH)).isInstanceOf(PgVaultException.class);
        assertThatThrownBy(() -> read(frames, stored, "base/5/99999")).isInstanceOf(PgVaultException.class);
        FrameCodec other = new FrameCodec(Codec.NONE, 0, DataKey.generate());
        assertThatThrownBy(() -> read(other, stored, PATH)).isInstanceOf(PgVaultException.class);
    }

    @Test
    void failuresOfTheSourcePassThroughAsThemselves() throws IOException {
        FrameCodec frames = new FrameCodec(Codec.NONE, 0, key);
        byte[] stored = write(frames, sample(3 * DataKey.SEGMENT_SIZE, 8), PATH);
        InputStream failing = new FilterInputStream(new ByteArrayInputStream(stored)) {
            long served;

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (served > DataKey.SEGMENT_SIZE) {
                    throw new IOException("connection reset");
                }
                int n = super.read(b, off, len);
                served += Math.max(n, 0);
                return n;
            }
        };
        assertThatThrownBy(() -> frames.reader(failing, PATH, "obj").readAllBytes())
                .isInstanceOf(IOException.class).hasMessageContaining("connection reset");
    }
}
