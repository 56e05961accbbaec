package io.pgvault.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgvault.core.pg.Lsn;
import io.pgvault.core.pg.TimelineId;
import io.pgvault.core.pg.WalSegmentName;
import io.pgvault.core.pg.WalSegmentSize;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StreamPositionTest {

    private static final WalSegmentSize SIZE = WalSegmentSize.DEFAULT; // 16 MiB = 0x1000000
    private static final TimelineId TL1 = TimelineId.of(1);

    private static WalSegmentName seg(long n) {
        return new WalSegmentName(TL1, n, SIZE);
    }

    private static Lsn resume(String restart, String serverEnd, Set<Long> stored, Map<Long, Long> local) {
        return StreamPosition.resumeAt(TL1, Lsn.parse(restart), Lsn.parse(serverEnd), SIZE,
                s -> stored.contains(s.segmentNumber()), s -> local.getOrDefault(s.segmentNumber(), 0L));
    }

    @Test
    void withoutLocalBytesStreamingStartsAtTheStartOfTheSegmentHoldingRestartLsn() {
        assertThat(resume("0/3000A28", "0/3100000", Set.of(), Map.of())).isEqualTo(Lsn.parse("0/3000000"));
    }

    @Test
    void aRestartLsnOnASegmentBoundaryStartsThatSegment() {
        assertThat(resume("0/4000000", "0/4000100", Set.of(3L), Map.of())).isEqualTo(Lsn.parse("0/4000000"));
    }

    @Test
    void theLocalPartialOfThatSegmentIsKeptAndContinued() {
        assertThat(resume("0/3000A28", "0/3100000", Set.of(), Map.of(3L, 0x40000L)))
                .isEqualTo(Lsn.parse("0/3040000"));
        // a local file of another segment does not count
        assertThat(resume("0/3000A28", "0/3100000", Set.of(), Map.of(2L, 0x40000L)))
                .isEqualTo(Lsn.parse("0/3000000"));
    }

    @Test
    void segmentsTheRepositoryHoldsInFullAreSkippedButNeverBeyondTheOneTheServerWrites() {
        // archive_command (mode both) stored 3 and 4 already; the server writes in 5
        assertThat(resume("0/3000A28", "0/5000200", Set.of(3L, 4L), Map.of(5L, 0x200L)))
                .isEqualTo(Lsn.parse("0/5000200"));
        // 5 is "stored" too (an inconsistent repository): the server's current segment is still streamed
        assertThat(resume("0/3000A28", "0/5000200", Set.of(3L, 4L, 5L), Map.of())).isEqualTo(Lsn.parse("0/5000000"));
        // a hole in what is stored: streaming starts at the hole, nothing after it is assumed
        assertThat(resume("0/3000A28", "0/6000000", Set.of(3L, 5L), Map.of())).isEqualTo(Lsn.parse("0/4000000"));
    }

    @Test
    void aCompleteLocalFileResumesOneByteBeforeItsEnd() {
        assertThat(resume("0/3000A28", "0/3100000", Set.of(), Map.of(3L, SIZE.bytes())))
                .isEqualTo(Lsn.parse("0/3FFFFFF"));
    }

    @Test
    void segmentArithmeticAcrossLogIds() {
        Lsn last = Lsn.parse("0/FFFFFF00");
        assertThat(StreamPosition.roomInSegment(last, SIZE)).isEqualTo(0x100);
        assertThat(StreamPosition.offsetInSegment(last, SIZE)).isEqualTo(0xFFFF00);
        Lsn next = last.plus(0x100);
        assertThat(next).isEqualTo(Lsn.parse("1/0"));
        assertThat(StreamPosition.offsetInSegment(next, SIZE)).isZero();
        assertThat(StreamPosition.roomInSegment(next, SIZE)).isEqualTo(SIZE.bytes());
        assertThat(WalSegmentName.containing(TL1, next, SIZE).fileName()).isEqualTo("000000010000000100000000");
        assertThat(WalSegmentName.containing(TL1, last, SIZE).next()).isEqualTo(seg(256));
        WalSegmentSize oneMiB = new WalSegmentSize(1024 * 1024);
        assertThat(StreamPosition.roomInSegment(Lsn.parse("0/1FFFFF"), oneMiB)).isEqualTo(1);
    }

    @Test
    void slotNames() {
        assertThat(StreamPosition.defaultSlotName("main")).isEqualTo("pgvault_main");
        assertThat(StreamPosition.defaultSlotName("Prod-DB.eu")).isEqualTo("pgvault_prod_db_eu");
        assertThat(StreamPosition.defaultSlotName("x".repeat(63))).hasSize(63);
        assertThat(StreamPosition.checkSlotName("pgvault_main")).isEqualTo("pgvault_main");
        assertThatThrownBy(() -> StreamPosition.checkSlotName("Bad-Name"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'Bad-Name'");
    }

    @Test
    void walModes() {
        assertThat(WalMode.parse("archive")).isEqualTo(WalMode.ARCHIVE);
        assertThat(WalMode.parse(" Stream ")).isEqualTo(WalMode.STREAM);
        assertThat(WalMode.parse("BOTH").streams()).isTrue();
        assertThat(WalMode.ARCHIVE.streams()).isFalse();
        assertThat(WalMode.BOTH).hasToString("both");
        assertThatThrownBy(() -> WalMode.parse("streaming")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("wal-mode must be archive, stream or both, got 'streaming'");
    }
}
