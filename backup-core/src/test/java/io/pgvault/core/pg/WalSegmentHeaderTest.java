package io.pgvault.core.pg;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class WalSegmentHeaderTest {

    /** XLogLongPageHeaderData as PostgreSQL writes it at the start of every segment (little-endian). */
    static byte[] longHeader(int info, long timeline, long pageAddr, long sysid, int segSize) {
        ByteBuffer b = ByteBuffer.allocate(WalSegmentHeader.LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(0, (short) 0xD110);      // xlp_magic (PostgreSQL 15)
        b.putShort(2, (short) info);        // xlp_info
        b.putInt(4, (int) timeline);        // xlp_tli
        b.putLong(8, pageAddr);             // xlp_pageaddr
        b.putInt(16, 0);                    // xlp_rem_len
        b.putLong(24, sysid);               // xlp_sysid
        b.putInt(32, segSize);              // xlp_seg_size
        b.putInt(36, 8192);                 // xlp_xlog_blcksz
        return b.array();
    }

    @Test
    void parsesALongHeader() {
        byte[] raw = longHeader(0x0002, 1, 0x3000000L, 7_312_345_678_901_234_567L, 16 * 1024 * 1024);
        Optional<WalSegmentHeader> h = WalSegmentHeader.parse(raw);
        assertThat(h).contains(new WalSegmentHeader(7_312_345_678_901_234_567L, 16 * 1024 * 1024, 0x3000000L, 1));
    }

    @Test
    void otherInfoBitsDoNotHideTheLongHeader() {
        byte[] raw = longHeader(0x0002 | 0x0001 | 0x0004, 7, 0, 42, 1024 * 1024);
        assertThat(WalSegmentHeader.parse(raw)).map(WalSegmentHeader::systemIdentifier).contains(42L);
        assertThat(WalSegmentHeader.parse(raw)).map(WalSegmentHeader::timeline).contains(7L);
    }

    @Test
    void systemIdentifierIsReadAsItsBitsUnsignedTimelineAndSizeAsUnsigned() {
        long sysid = 0xF234_5678_9ABC_DEF0L;
        byte[] raw = longHeader(0x0002, 0xFFFFFFFFL, 0, sysid, 1 << 30);
        WalSegmentHeader h = WalSegmentHeader.parse(raw).orElseThrow();
        assertThat(h.systemIdentifier()).isEqualTo(sysid);
        assertThat(Long.toUnsignedString(h.systemIdentifier())).isEqualTo("17452669531959647984");
        assertThat(h.timeline()).isEqualTo(0xFFFFFFFFL);
        assertThat(h.segmentSize()).isEqualTo(1L << 30);
    }

    @Test
    void byteOrderIsLittleEndian() {
        byte[] raw = longHeader(0x0002, 1, 0, 0x0102030405060708L, 1024 * 1024);
        assertThat(raw[24]).isEqualTo((byte) 0x08);
        assertThat(raw[31]).isEqualTo((byte) 0x01);
        assertThat(WalSegmentHeader.parse(raw).orElseThrow().systemIdentifier()).isEqualTo(0x0102030405060708L);
    }

    @Test
    void aShortPageHeaderIsNotParsed() {
        byte[] raw = longHeader(0x0001, 1, 0, 42, 1024 * 1024);
        assertThat(WalSegmentHeader.parse(raw)).isEmpty();
        assertThat(WalSegmentHeader.parse(new byte[WalSegmentHeader.LENGTH])).isEmpty();
    }

    @Test
    void tooFewBytesAreNotParsed() {
        byte[] raw = longHeader(0x0002, 1, 0, 42, 1024 * 1024);
        assertThat(WalSegmentHeader.parse(Arrays.copyOf(raw, WalSegmentHeader.LENGTH - 1))).isEmpty();
        assertThat(WalSegmentHeader.parse(new byte[0])).isEmpty();
    }

    @Test
    void extraBytesAreIgnored() {
        byte[] raw = Arrays.copyOf(longHeader(0x0002, 1, 0, 42, 1024 * 1024), 8192);
        Arrays.fill(raw, WalSegmentHeader.LENGTH, raw.length, (byte) 0x55);
        assertThat(WalSegmentHeader.parse(raw)).map(WalSegmentHeader::systemIdentifier).contains(42L);
    }
}
