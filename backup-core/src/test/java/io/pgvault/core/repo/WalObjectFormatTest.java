package io.pgvault.core.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.stream.Codec;
import io.pgvault.core.stream.Sha256;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class WalObjectFormatTest {

    private static final String KEY = "main/wal/0000000100000000/000000010000000000000001.zst";
    private static final byte[] SHA = Sha256.newDigest().digest("segment".getBytes(StandardCharsets.UTF_8));

    @ParameterizedTest
    @EnumSource(Codec.class)
    void headerRoundTripsForEveryCodec(Codec codec) throws IOException {
        byte[] raw = WalObjectFormat.encode(new WalObjectFormat.Header(codec, 0, 16L * 1024 * 1024, SHA));
        assertThat(raw).hasSize(WalObjectFormat.HEADER_LENGTH);
        WalObjectFormat.Header h = WalObjectFormat.read(new ByteArrayInputStream(raw), KEY);
        assertThat(h.codec()).isEqualTo(codec);
        assertThat(h.flags()).isZero();
        assertThat(h.originalSize()).isEqualTo(16L * 1024 * 1024);
        assertThat(h.sha256()).isEqualTo(SHA);
        assertThat(h.sha256Hex()).isEqualTo(Sha256.hex(SHA));
    }

    @Test
    void layoutIsFixed() {
        byte[] raw = WalObjectFormat.encode(new WalObjectFormat.Header(Codec.GZIP, 6, 0x0102030405060708L, SHA));
        assertThat(new String(raw, 0, 6, StandardCharsets.ISO_8859_1)).isEqualTo("PGVWAL");
        assertThat(raw[6]).isZero();
        assertThat(raw[7]).isEqualTo((byte) 1);
        assertThat(raw[8]).isEqualTo((byte) Codec.GZIP.id());
        assertThat(raw[9]).isEqualTo((byte) 6);
        assertThat(Arrays.copyOfRange(raw, 10, 16)).containsOnly(0);
        assertThat(raw[16]).isEqualTo((byte) 0x01);   // size is big-endian
        assertThat(raw[23]).isEqualTo((byte) 0x08);
        assertThat(Arrays.copyOfRange(raw, 24, 56)).isEqualTo(SHA);
        assertThat(Arrays.copyOfRange(raw, 56, 64)).containsOnly(0);
    }

    @Test
    void allFlagBitsRoundTrip() throws IOException {
        // bit 0 is ENCRYPTED, which needs a key block: see the encryption tests
        for (int flags : new int[] {0, 2, 0x7E, 0x80, 0xFE}) {
            byte[] raw = WalObjectFormat.encode(new WalObjectFormat.Header(Codec.ZSTD, flags, 1, SHA));
            assertThat(WalObjectFormat.read(new ByteArrayInputStream(raw), KEY).flags()).isEqualTo(flags);
        }
    }

    @Test
    void readLeavesTheStreamAtTheContent() throws IOException {
        byte[] raw = WalObjectFormat.encode(new WalObjectFormat.Header(Codec.NONE, 0, 3, SHA));
        byte[] object = Arrays.copyOf(raw, raw.length + 3);
        object[64] = 'a';
        object[65] = 'b';
        object[66] = 'c';
        InputStream in = new ByteArrayInputStream(object);
        WalObjectFormat.read(in, KEY);
        assertThat(in.readAllBytes()).containsExactly('a', 'b', 'c');
    }

    @Test
    void sameContentComparesSizeAndDigest() {
        WalObjectFormat.Header h = new WalObjectFormat.Header(Codec.ZSTD, 0, 100, SHA);
        assertThat(h.sameContentAs(100, SHA.clone())).isTrue();
        assertThat(h.sameContentAs(101, SHA)).isFalse();
        byte[] other = SHA.clone();
        other[31] ^= 1;
        assertThat(h.sameContentAs(100, other)).isFalse();
    }

    @Test
    void truncatedHeaderIsDamaged() {
        byte[] raw = WalObjectFormat.encode(new WalObjectFormat.Header(Codec.ZSTD, 0, 1, SHA));
        for (int len : new int[] {0, 8, 63}) {
            assertDamaged(Arrays.copyOf(raw, len), "truncated");
        }
    }

    @Test
    void wrongMagicIsDamaged() {
        byte[] raw = WalObjectFormat.encode(new WalObjectFormat.Header(Codec.ZSTD, 0, 1, SHA));
        raw[7] = 2;   // a future format version
        assertDamaged(raw, "not a pgvault WAL object");
        byte[] zstdFrame = new byte[64];
        zstdFrame[0] = (byte) 0x28;
        zstdFrame[1] = (byte) 0xB5;
        zstdFrame[2] = (byte) 0x2F;
        zstdFrame[3] = (byte) 0xFD;
        assertDamaged(zstdFrame, "not a pgvault WAL object");
    }

    @Test
    void unknownCodecIsDamaged() {
        byte[] raw = WalObjectFormat.encode(new WalObjectFormat.Header(Codec.ZSTD, 0, 1, SHA));
        raw[8] = 42;
        assertDamaged(raw, "unknown codec");
    }

    private static void assertDamaged(byte[] raw, String why) {
        assertThatThrownBy(() -> WalObjectFormat.read(new ByteArrayInputStream(raw), KEY))
                .isInstanceOfSatisfying(PgVaultException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DAMAGED))
                .hasMessageContaining(KEY)
                .hasMessageContaining(why);
    }

    @Test
    void encryptedHeaderCarriesItsWrappedKeyInA64ByteBlock() throws IOException {
        byte[] wrapped = new byte[60];
        Arrays.fill(wrapped, (byte) 7);
        byte[] raw = WalObjectFormat.encode(new WalObjectFormat.Header(Codec.ZSTD, 0, 1, SHA, wrapped));
        assertThat(raw).hasSize(WalObjectFormat.ENCRYPTED_HEADER_LENGTH);
        assertThat(raw[9] & WalObjectFormat.ENCRYPTED).isEqualTo(WalObjectFormat.ENCRYPTED);
        WalObjectFormat.Header h = WalObjectFormat.read(new ByteArrayInputStream(raw), KEY);
        assertThat(h.encrypted()).isTrue();
        assertThat(h.wrappedKey()).isEqualTo(wrapped);
        assertThatThrownBy(() -> WalObjectFormat.read(new ByteArrayInputStream(Arrays.copyOf(raw, 100)), KEY))
                .isInstanceOf(PgVaultException.class).hasMessageContaining("truncated");
        assertThatThrownBy(() -> WalObjectFormat.encode(new WalObjectFormat.Header(Codec.ZSTD,
                WalObjectFormat.ENCRYPTED, 1, SHA))).isInstanceOf(IllegalArgumentException.class);
    }
}
