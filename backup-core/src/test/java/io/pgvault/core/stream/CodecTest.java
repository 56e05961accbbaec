package io.pgvault.core.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CodecTest {

    /** Half text-like (compressible), half random (not), so every codec's both paths run. */
    static byte[] sample(int size, long seed) {
        byte[] data = new byte[size];
        Random r = new Random(seed);
        byte[] words = "SELECT relname FROM pg_class WHERE oid = 1259; ".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < size / 2; i++) {
            data[i] = words[(i + r.nextInt(3)) % words.length];
        }
        byte[] noise = new byte[size - size / 2];
        r.nextBytes(noise);
        System.arraycopy(noise, 0, data, size / 2, noise.length);
        return data;
    }

    static byte[] compress(Codec codec, int level, byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream c = codec.compress(out, level)) {
            c.write(data);
        }
        return out.toByteArray();
    }

    static byte[] decompress(Codec codec, byte[] stored) throws IOException {
        try (InputStream in = codec.decompress(new ByteArrayInputStream(stored))) {
            return in.readAllBytes();
        }
    }

    @ParameterizedTest
    @EnumSource(Codec.class)
    void roundTrips(Codec codec) throws IOException {
        for (int size : new int[] {0, 1, 100, 64 * 1024, 5 * 1024 * 1024 + 17}) {
            byte[] data = sample(size, size);
            assertThat(decompress(codec, compress(codec, 0, data))).isEqualTo(data);
        }
    }

    @ParameterizedTest
    @EnumSource(Codec.class)
    void roundTripsByteByByteWrites(Codec codec) throws IOException {
        byte[] data = sample(10_000, 7);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream c = codec.compress(out, 0)) {
            for (byte b : data) {
                c.write(b);
            }
        }
        assertThat(decompress(codec, out.toByteArray())).isEqualTo(data);
    }

    @ParameterizedTest
    @EnumSource(value = Codec.class, names = {"ZSTD", "GZIP", "LZ4"})
    void compressesCompressibleData(Codec codec) throws IOException {
        byte[] zeros = new byte[1024 * 1024];
        assertThat(compress(codec, 0, zeros).length).isLessThan(zeros.length / 50);
    }

    @Test
    void noneStoresTheBytesAsTheyAre() throws IOException {
        byte[] data = sample(1000, 1);
        assertThat(compress(Codec.NONE, 0, data)).isEqualTo(data);
    }

    @Test
    void explicitLevelsWork() throws IOException {
        byte[] data = sample(256 * 1024, 3);
        for (int level : new int[] {1, 3, 19}) {
            assertThat(decompress(Codec.ZSTD, compress(Codec.ZSTD, level, data))).isEqualTo(data);
        }
        for (int level : new int[] {1, 6, 9}) {
            assertThat(decompress(Codec.GZIP, compress(Codec.GZIP, level, data))).isEqualTo(data);
        }
        assertThat(compress(Codec.ZSTD, 19, data).length).isLessThanOrEqualTo(compress(Codec.ZSTD, 1, data).length);
        assertThat(compress(Codec.GZIP, 9, data).length).isLessThanOrEqualTo(compress(Codec.GZIP, 1, data).length);
    }

    /** Several files compressed one after another into one object, as a bundle holds them. */
    @ParameterizedTest
    @EnumSource(Codec.class)
    void concatenatedFramesReadBackByOffsetAndLength(Codec codec) throws IOException {
        List<byte[]> files = List.of(sample(5000, 1), new byte[0], sample(1, 2), sample(300_000, 3),
                new byte[70_000], sample(12_345, 4));
        ByteArrayOutputStream object = new ByteArrayOutputStream();
        CountingOutputStream counting = new CountingOutputStream(object);
        List<long[]> positions = new ArrayList<>();
        for (byte[] f : files) {
            long offset = counting.count();
            try (OutputStream c = codec.compress(new NonClosingOutputStream(counting), 0)) {
                c.write(f);
            }
            positions.add(new long[] {offset, counting.count() - offset});
        }
        counting.close();
        byte[] all = object.toByteArray();
        assertThat(counting.count()).isEqualTo(all.length);

        for (int i = files.size() - 1; i >= 0; i--) {   // any order: each frame stands alone
            long[] p = positions.get(i);
            byte[] frame = Arrays.copyOfRange(all, (int) p[0], (int) (p[0] + p[1]));
            assertThat(decompress(codec, frame)).as("file %d", i).isEqualTo(files.get(i));
        }
    }

    /** The whole object read as one stream gives the files back to back (multi-frame decoding). */
    @ParameterizedTest
    @EnumSource(Codec.class)
    void concatenatedFramesReadAsOneStream(Codec codec) throws IOException {
        byte[] a = sample(40_000, 11);
        byte[] b = sample(25_000, 12);
        ByteArrayOutputStream object = new ByteArrayOutputStream();
        for (byte[] f : List.of(a, b)) {
            try (OutputStream c = codec.compress(new NonClosingOutputStream(object), 0)) {
                c.write(f);
            }
        }
        byte[] expected = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, expected, a.length, b.length);
        assertThat(decompress(codec, object.toByteArray())).isEqualTo(expected);
    }

    @Test
    void nonClosingStreamKeepsTheObjectOpen() throws IOException {
        class Tracking extends ByteArrayOutputStream {
            boolean closed;

            @Override
            public void close() {
                closed = true;
            }
        }
        Tracking target = new Tracking();
        try (OutputStream c = Codec.ZSTD.compress(new NonClosingOutputStream(target), 0)) {
            c.write(1);
        }
        assertThat(target.closed).isFalse();
        Codec.ZSTD.compress(target, 0).close();
        assertThat(target.closed).isTrue();
    }

    @Test
    void countingStreamCountsEveryWriteForm() throws IOException {
        CountingOutputStream c = new CountingOutputStream(new ByteArrayOutputStream());
        c.write(1);
        c.write(new byte[10]);
        c.write(new byte[10], 2, 5);
        assertThat(c.count()).isEqualTo(16);
    }

    @Test
    void levelZeroMeansTheDefault() {
        assertThat(Codec.ZSTD.checkLevel(0)).isEqualTo(3);
        assertThat(Codec.GZIP.checkLevel(0)).isEqualTo(6);
        assertThat(Codec.LZ4.checkLevel(0)).isZero();
        assertThat(Codec.NONE.checkLevel(0)).isZero();
        for (Codec c : Codec.values()) {
            assertThat(c.checkLevel(0)).isEqualTo(c.defaultLevel());
        }
    }

    @Test
    void levelsInRangeAreAccepted() {
        assertThat(Codec.ZSTD.checkLevel(1)).isEqualTo(1);
        assertThat(Codec.ZSTD.checkLevel(19)).isEqualTo(19);
        assertThat(Codec.GZIP.checkLevel(1)).isEqualTo(1);
        assertThat(Codec.GZIP.checkLevel(9)).isEqualTo(9);
    }

    @Test
    void levelsOutOfRangeAreRefused() {
        assertThatThrownBy(() -> Codec.ZSTD.checkLevel(20)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("20").hasMessageContaining("zstd").hasMessageContaining("1-19");
        assertThatThrownBy(() -> Codec.ZSTD.checkLevel(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Codec.GZIP.checkLevel(10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1-9");
        assertThatThrownBy(() -> Codec.LZ4.checkLevel(1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("takes no level");
        assertThatThrownBy(() -> Codec.NONE.checkLevel(3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("takes no level");
    }

    @Test
    void parsesCommandLineNames() {
        assertThat(Codec.parse("zstd")).isEqualTo(Codec.ZSTD);
        assertThat(Codec.parse("ZST")).isEqualTo(Codec.ZSTD);
        assertThat(Codec.parse(" lz4 ")).isEqualTo(Codec.LZ4);
        assertThat(Codec.parse("gzip")).isEqualTo(Codec.GZIP);
        assertThat(Codec.parse("gz")).isEqualTo(Codec.GZIP);
        assertThat(Codec.parse("none")).isEqualTo(Codec.NONE);
        assertThat(Codec.parse("raw")).isEqualTo(Codec.NONE);
        for (Codec c : Codec.values()) {
            assertThat(Codec.parse(c.toString())).isEqualTo(c);
        }
    }

    @Test
    void refusesUnknownNames() {
        for (String bad : new String[] {"bzip2", "", "zstd:3", "xz"}) {
            assertThatThrownBy(() -> Codec.parse(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("unknown compression '" + bad + "'")
                    .hasMessageContaining("zstd, lz4, gzip or none");
        }
        assertThatThrownBy(() -> Codec.parse(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void idsAndExtensionsAreStableAndUnique() {
        assertThat(Codec.ZSTD.id()).isEqualTo(1);
        assertThat(Codec.LZ4.id()).isEqualTo(2);
        assertThat(Codec.GZIP.id()).isEqualTo(3);
        assertThat(Codec.NONE.id()).isZero();
        assertThat(Codec.ZSTD.extension()).isEqualTo("zst");
        assertThat(Codec.LZ4.extension()).isEqualTo("lz4");
        assertThat(Codec.GZIP.extension()).isEqualTo("gz");
        assertThat(Codec.NONE.extension()).isEqualTo("raw");
        Set<Integer> ids = new HashSet<>();
        Set<String> exts = new HashSet<>();
        for (Codec c : Codec.values()) {
            assertThat(ids.add(c.id())).isTrue();
            assertThat(exts.add(c.extension())).isTrue();
            assertThat(Codec.byId(c.id())).isEqualTo(c);
            assertThat(Codec.byExtension(c.extension())).isEqualTo(c);
        }
        assertThatThrownBy(() -> Codec.byId(9)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Codec.byExtension("zstd")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'zstd'");
        assertThatThrownBy(() -> Codec.byExtension("ZST")).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @EnumSource(value = Codec.class, names = {"ZSTD", "GZIP", "LZ4"})
    void truncatedFramesFailToDecompress(Codec codec) throws IOException {
        byte[] stored = compress(codec, 0, sample(100_000, 5));
        byte[] cut = Arrays.copyOf(stored, stored.length / 2);
        assertThatThrownBy(() -> decompress(codec, cut)).isInstanceOf(IOException.class);
    }

    @Test
    void sha256Helpers() {
        assertThat(Sha256.of(new byte[0]))
                .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assertThat(Sha256.of("abc".getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
