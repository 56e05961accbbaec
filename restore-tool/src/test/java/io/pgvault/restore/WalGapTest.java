package io.pgvault.restore;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgvault.core.info.TimelineTree;
import io.pgvault.core.info.WalRange;
import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.pg.TimelineHistory;
import io.pgvault.core.pg.TimelineId;
import io.pgvault.core.pg.WalSegmentSize;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class WalGapTest {

    private static final WalSegmentSize SIZE = new WalSegmentSize(16 * 1024 * 1024);
    private static final BackupManifest BACKUP = TestManifests.manifest("20260101T000000F", 1, "0/2000100",
            "000000010000000000000002", List.of());
    private static final TimelineTree ONE = TimelineTree.of(List.of(TimelineId.of(1)), List.of());

    private static WalRange range(String first, String last, int minute) {
        return new WalRange(TimelineId.parseHex(first.substring(0, 8)), first, last, 1,
                Instant.parse("2026-01-01T00:00:00Z").plusSeconds(60L * minute));
    }

    @Test
    void noGapWhenTheArchiveRunsOnOrSimplyEnds() {
        assertThat(WalGap.find(BACKUP, TimelineId.of(1), ONE, List.of(range("000000010000000000000001",
                "000000010000000000000009", 9)), SIZE)).isEmpty();
        assertThat(WalGap.find(BACKUP, TimelineId.of(1), ONE, List.of(range("000000010000000000000001",
                "000000010000000000000002", 2)), SIZE)).isEmpty();
    }

    @Test
    void findsTheFirstMissingSegmentBeforeLaterWal() {
        WalGap gap = WalGap.find(BACKUP, TimelineId.of(1), ONE, List.of(
                range("000000010000000000000001", "000000010000000000000004", 4),
                range("000000010000000000000006", "000000010000000000000009", 9)), SIZE).orElseThrow();
        assertThat(gap.missing()).isEqualTo("000000010000000000000005");
        assertThat(gap.reachableLsn().toString()).isEqualTo("0/5000000");
        assertThat(gap.reachableUntil()).isEqualTo(Instant.parse("2026-01-01T00:04:00Z"));
    }

    @Test
    void followsTheTargetTimelinesHistory() {
        TimelineTree tree = TimelineTree.of(List.of(), List.of(TimelineHistory.parse(TimelineId.of(2),
                "1\t0/6000060\tno recovery target specified\n")));
        List<WalRange> complete = List.of(range("000000010000000000000001", "000000010000000000000009", 9),
                range("000000020000000000000006", "000000020000000000000008", 12));
        assertThat(WalGap.find(BACKUP, TimelineId.of(2), tree, complete, SIZE)).isEmpty();
        // timeline 1 is needed only up to the branch: what it has after the switch point does not matter
        List<WalRange> shortOne = List.of(range("000000010000000000000001", "000000010000000000000005", 5),
                range("000000020000000000000006", "000000020000000000000008", 12));
        assertThat(WalGap.find(BACKUP, TimelineId.of(2), tree, shortOne, SIZE)).isEmpty();
        List<WalRange> holeOnTwo = List.of(range("000000010000000000000001", "000000010000000000000005", 5),
                range("000000020000000000000006", "000000020000000000000006", 10),
                range("000000020000000000000008", "000000020000000000000008", 12));
        assertThat(WalGap.find(BACKUP, TimelineId.of(2), tree, holeOnTwo, SIZE).orElseThrow().missing())
                .isEqualTo("000000020000000000000007");
        List<WalRange> holeOnOne = List.of(range("000000010000000000000001", "000000010000000000000003", 3),
                range("000000020000000000000006", "000000020000000000000008", 12));
        assertThat(WalGap.find(BACKUP, TimelineId.of(2), tree, holeOnOne, SIZE).orElseThrow().missing())
                .isEqualTo("000000010000000000000004");
    }
}
