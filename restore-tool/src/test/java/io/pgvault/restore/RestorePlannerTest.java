package io.pgvault.restore;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgvault.core.info.TimelineTree;
import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.pg.TimelineHistory;
import io.pgvault.core.pg.TimelineId;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The timeline rules of backup choice; the rest of the planner runs against real repositories in the ITs. */
class RestorePlannerTest {

    private static final TimelineTree TREE = TimelineTree.of(List.of(TimelineId.of(1)), List.of(
            TimelineHistory.parse(TimelineId.of(2), "1\t0/6000060\treason\n"),
            TimelineHistory.parse(TimelineId.of(3), "1\t0/6000060\treason\n2\t0/9000000\treason\n")));

    private static BackupManifest backup(long timeline, String stopLsn) {
        return TestManifests.manifest("20260101T000000F", timeline, stopLsn, "000000010000000000000002", List.of());
    }

    private static RestoreRequest request(String timeline) {
        return new RestoreRequest(Path.of("/x"), null, new RecoveryTarget.EndOfArchive(), TargetAction.PROMOTE,
                null, timeline, "cmd", false, Map.of(), 1, false, null, null);
    }

    @Test
    void aBackupServesTimelinesThatBranchedAfterItEnded() {
        assertThat(RestorePlanner.onHistoryOf(backup(1, "0/2000100"), TimelineId.of(3), TREE)).isTrue();
        assertThat(RestorePlanner.onHistoryOf(backup(1, "0/6000060"), TimelineId.of(2), TREE)).isTrue();
        assertThat(RestorePlanner.onHistoryOf(backup(1, "0/7000000"), TimelineId.of(2), TREE)).isFalse();
        assertThat(RestorePlanner.onHistoryOf(backup(2, "0/8000000"), TimelineId.of(3), TREE)).isTrue();
        assertThat(RestorePlanner.onHistoryOf(backup(2, "0/8000000"), TimelineId.of(1), TREE)).isFalse();
        assertThat(RestorePlanner.onHistoryOf(backup(3, "0/A000000"), TimelineId.of(2), TREE)).isFalse();
    }

    @Test
    void targetTimelineIsTheNumberTheBackupsOrTheNewest() {
        BackupManifest b = backup(1, "0/2000100");
        assertThat(RestorePlanner.targetTimeline(request(null), b, TREE)).isEqualTo(TimelineId.of(3));
        assertThat(RestorePlanner.targetTimeline(request("latest"), b, TREE)).isEqualTo(TimelineId.of(3));
        assertThat(RestorePlanner.targetTimeline(request("current"), b, TREE)).isEqualTo(TimelineId.of(1));
        assertThat(RestorePlanner.targetTimeline(request("2"), b, TREE)).isEqualTo(TimelineId.of(2));
    }
}
