package io.pgvault.core.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

class Crc32cTest {

    @Test
    void combinedPiecesEqualTheCrcOfTheWhole() {
        Random random = new Random(7);
        byte[] data = new byte[3 * 1024 * 1024 + 17];
        random.nextBytes(data);
        for (int trial = 0; trial < 20; trial++) {
            int cut1 = random.nextInt(data.length);
            int cut2 = cut1 + random.nextInt(data.length - cut1 + 1);
            int combined = Crc32c.combine(Crc32c.combine(crc(data, 0, cut1), crc(data, cut1, cut2 - cut1),
                    cut2 - cut1), crc(data, cut2, data.length - cut2), data.length - cut2);
            assertThat(combined).isEqualTo(crc(data, 0, data.length));
        }
    }

    @Test
    void anEmptySecondPieceChangesNothing() {
        assertThat(Crc32c.combine(0x12345678, crc(new byte[0], 0, 0), 0)).isEqualTo(0x12345678);
    }

    @Test
    void knownValueAndHexRoundTrip() {
        byte[] check = "123456789".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertThat(Crc32c.hex(crc(check, 0, check.length))).isEqualTo("e3069283"); // the standard check value
        assertThat(Crc32c.parse("e3069283")).isEqualTo(0xe3069283);
        assertThatThrownBy(() -> Crc32c.parse("E306928")).isInstanceOf(IllegalArgumentException.class);
    }

    private static int crc(byte[] data, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(data, off, len);
        return (int) c.getValue();
    }

    @Test
    void hexIsEightLowerCaseDigitsWithLeadingZeros() {
        assertThat(Crc32c.hex(0)).isEqualTo("00000000");
        assertThat(Crc32c.hex(0x0000abcd)).isEqualTo("0000abcd");
        assertThat(Crc32c.hex(0xFFFFFFFF)).isEqualTo("ffffffff");
        assertThat(Crc32c.hex(0x80000001)).isEqualTo("80000001");
        assertThat(Crc32c.isHex(Crc32c.hex(0x1234))).isTrue();
    }
}
