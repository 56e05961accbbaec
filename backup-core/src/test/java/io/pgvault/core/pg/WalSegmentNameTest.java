package io.pgvault.core.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WalSegmentNameTest {

    private static final WalSegmentSize MB16 = WalSegmentSize.DEFAULT;
    private static final WalSegmentSize MB1 = new WalSegmentSize(1024 * 1024);
    private static final WalSegmentSize GB1 = new WalSegmentSize(1024L * 1024 * 1024);
    private static final TimelineId TL1 = TimelineId.of(1);

    @Test
    void segmentSizeMustBeAPowerOfTwoFromOneMibToOneGib() {
        assertThat(MB16.bytes()).isEqualTo(16L * 1024 * 1024);
        assertThat(MB16.segmentsPerLogId()).isEqualTo(256);
        assertThat(MB1.segmentsPerLogId()).isEqualTo(4096);
        assertThat(GB1.segmentsPerLogId()).isEqualTo(4);
        for (long bad : new long[] {0, -1, 512 * 1024, 3L * 1024 * 1024, 2L * 1024 * 1024 * 1024}) {
            assertThatThrownBy(() -> new WalSegmentSize(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(Long.toString(bad));
        }
    }

    @Test
    void parsesTimelineLogAndSegment() {
        WalSegmentName n = WalSegmentName.parse("000000020000000100000002", MB16);
        assertThat(n.timeline()).isEqualTo(TimelineId.of(2));
        assertThat(n.segmentNumber()).isEqualTo(256 + 2);
        assertThat(n.logId()).isEqualTo(1);
        assertThat(n.segmentInLog()).isEqualTo(2);
        assertThat(n.fileName()).isEqualTo("000000020000000100000002");
        assertThat(n.directory()).isEqualTo("0000000200000001");
        assertThat(n).hasToString("000000020000000100000002");
    }

    @Test
    void segmentNumberDependsOnSegmentSize() {
        WalSegmentName small = WalSegmentName.parse("000000010000000100000FFF", MB1);
        assertThat(small.segmentNumber()).isEqualTo(4096 + 4095);
        assertThat(small.startLsn()).isEqualTo(Lsn.parse("1/FFF00000"));
        assertThat(small.endLsn()).isEqualTo(Lsn.parse("2/0"));
        WalSegmentName big = WalSegmentName.parse("000000010000000500000003", GB1);
        assertThat(big.startLsn()).isEqualTo(Lsn.parse("5/C0000000"));
    }

    @Test
    void acceptsLowerCaseAndNormalizesToUpperCase() {
        assertThat(WalSegmentName.parse("0000000a0000000b000000cd", MB16).fileName())
                .isEqualTo("0000000A0000000B000000CD");
    }

    @Test
    void refusesSegmentImpossibleForTheSize() {
        assertThatThrownBy(() -> WalSegmentName.parse("000000010000000000000100", MB16))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("000000010000000000000100")
                .hasMessageContaining("impossible");
        assertThat(WalSegmentName.parse("000000010000000000000100", MB1).segmentNumber()).isEqualTo(256);
        assertThatThrownBy(() -> WalSegmentName.parse("000000010000000000000004", GB1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "00000001000000000000001", "0000000100000000000000011", "00000001000000000000000G",
        "000000010000000000000001.partial", "00000002.history", "../00000001000000000000001",
        "000000000000000000000001"})
    void refusesWhatIsNotASegmentName(String name) {
        assertThatThrownBy(() -> WalSegmentName.parse(name, MB16)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void isSegmentNameChecksOnlyTheShape() {
        assertThat(WalSegmentName.isSegmentName("000000010000000000000001")).isTrue();
        assertThat(WalSegmentName.isSegmentName("00000001000000000000000a")).isTrue();
        assertThat(WalSegmentName.isSegmentName(null)).isFalse();
        assertThat(WalSegmentName.isSegmentName("000000010000000000000001.partial")).isFalse();
        assertThat(WalSegmentName.isSegmentName("00000001000000000000000x")).isFalse();
    }

    @Test
    void containingAndEndingAtDifferOnlyAtBoundaries() {
        Lsn boundary = Lsn.parse("0/3000000");
        assertThat(WalSegmentName.containing(TL1, boundary, MB16).fileName()).isEqualTo("000000010000000000000003");
        assertThat(WalSegmentName.endingAt(TL1, boundary, MB16).fileName()).isEqualTo("000000010000000000000002");
        Lsn inside = Lsn.parse("0/3000060");
        assertThat(WalSegmentName.containing(TL1, inside, MB16).fileName()).isEqualTo("000000010000000000000003");
        assertThat(WalSegmentName.endingAt(TL1, inside, MB16).fileName()).isEqualTo("000000010000000000000003");
        assertThat(WalSegmentName.endingAt(TL1, Lsn.ZERO, MB16).segmentNumber()).isZero();
        assertThat(WalSegmentName.containing(TL1, Lsn.parse("1/0"), MB16).fileName())
                .isEqualTo("000000010000000100000000");
        assertThat(WalSegmentName.endingAt(TL1, Lsn.parse("1/0"), MB16).fileName())
                .isEqualTo("0000000100000000000000FF");
    }

    @Test
    void startAndEndLsn() {
        WalSegmentName n = WalSegmentName.parse("000000010000000000000003", MB16);
        assertThat(n.startLsn()).isEqualTo(Lsn.parse("0/3000000"));
        assertThat(n.endLsn()).isEqualTo(Lsn.parse("0/4000000"));
        assertThat(WalSegmentName.containing(TL1, n.startLsn(), MB16)).isEqualTo(n);
        assertThat(WalSegmentName.endingAt(TL1, n.endLsn(), MB16)).isEqualTo(n);
    }

    @Test
    void nextAndPreviousCrossLogIds() {
        WalSegmentName last = WalSegmentName.parse("0000000100000000000000FF", MB16);
        assertThat(last.next().fileName()).isEqualTo("000000010000000100000000");
        assertThat(last.next().previous()).isEqualTo(last);
        WalSegmentName first = WalSegmentName.parse("000000010000000000000000", MB16);
        assertThatThrownBy(first::previous).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void onTimelineKeepsTheSegment() {
        WalSegmentName n = WalSegmentName.parse("000000010000000000000005", MB16);
        assertThat(n.onTimeline(TimelineId.of(3)).fileName()).isEqualTo("000000030000000000000005");
    }

    @Test
    void ordersByTimelineThenSegment() {
        List<WalSegmentName> names = new ArrayList<>();
        for (String s : List.of("000000020000000000000001", "000000010000000100000000", "0000000100000000000000FF",
                "000000010000000000000002")) {
            names.add(WalSegmentName.parse(s, MB16));
        }
        Collections.sort(names);
        assertThat(names).extracting(WalSegmentName::fileName).containsExactly("000000010000000000000002",
                "0000000100000000000000FF", "000000010000000100000000", "000000020000000000000001");
    }

    @Test
    void constructorValidates() {
        assertThatThrownBy(() -> new WalSegmentName(TL1, -1, MB16)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new WalSegmentName(null, 1, MB16)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new WalSegmentName(TL1, 1, null)).isInstanceOf(NullPointerException.class);
    }
}
