package io.pgvault.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgvault.core.pg.Lsn;
import io.pgvault.core.repo.BackupId;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RestoreRequestTest {

    private static final Path PGDATA = Path.of("/var/lib/postgresql/15/restored");
    private static final String CMD = "/opt/pgvault/bin/pgvault --repo file:///r wal-fetch %f %p";
    private static final RecoveryTarget TIME = RecoveryTarget.parseTime("2026-11-20T10:15:00Z");

    private static RestoreRequest request(RecoveryTarget target, Boolean inclusive, String timeline, int jobs) {
        return new RestoreRequest(PGDATA, null, target, TargetAction.PROMOTE, inclusive, timeline, CMD, false, null,
                jobs, false, null, null);
    }

    @Test
    void aPlainRequest() {
        RestoreRequest r = request(TIME, null, null, 4);
        assertThat(r.pgdata()).isEqualTo(PGDATA);
        assertThat(r.backup()).isNull();
        assertThat(r.tablespaceMap()).isEmpty();
        assertThat(r.signalFile()).isEqualTo("recovery.signal");
    }

    @Test
    void aNamedBackupAndEveryTargetKind() {
        BackupId id = BackupId.parse("20261120T101500F");
        RestoreRequest r = new RestoreRequest(PGDATA, id, new RecoveryTarget.AtLsn(Lsn.parse("0/3000060")),
                TargetAction.PAUSE, false, "current", CMD, true, Map.of(16500L, Path.of("/srv/ts")), 1, false, 5433,
                null);
        assertThat(r.backup()).isEqualTo(id);
        assertThat(r.inclusive()).isFalse();
        assertThat(r.port()).isEqualTo(5433);
        for (RecoveryTarget t : new RecoveryTarget[] {TIME, new RecoveryTarget.Xid(1000),
            new RecoveryTarget.Name("rp"), new RecoveryTarget.AtLsn(Lsn.parse("1/0"))}) {
            assertThat(request(t, true, null, 2).inclusive()).isTrue();
        }
    }

    @Test
    void requiredFields() {
        assertThatThrownBy(() -> new RestoreRequest(null, null, TIME, TargetAction.PROMOTE, null, null, CMD, false,
                null, 1, false, null, null)).isInstanceOf(NullPointerException.class).hasMessageContaining("pgdata");
        assertThatThrownBy(() -> new RestoreRequest(PGDATA, null, null, TargetAction.PROMOTE, null, null, CMD, false,
                null, 1, false, null, null)).isInstanceOf(NullPointerException.class).hasMessageContaining("target");
        assertThatThrownBy(() -> new RestoreRequest(PGDATA, null, TIME, null, null, null, CMD, false,
                null, 1, false, null, null)).isInstanceOf(NullPointerException.class).hasMessageContaining("action");
        assertThatThrownBy(() -> new RestoreRequest(PGDATA, null, TIME, TargetAction.PROMOTE, null, null, null, false,
                null, 1, false, null, null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("restoreCommand");
    }

    @Test
    void jobsFromOneTo128() {
        assertThat(request(TIME, null, null, 1).jobs()).isEqualTo(1);
        assertThat(request(TIME, null, null, 128).jobs()).isEqualTo(128);
        for (int bad : new int[] {0, -1, 129}) {
            assertThatThrownBy(() -> request(TIME, null, null, bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("jobs").hasMessageContaining(Integer.toString(bad));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"latest", "current", "1", "2", "42", "4294967295"})
    void acceptedTimelines(String timeline) {
        assertThat(request(TIME, null, timeline, 1).targetTimeline()).isEqualTo(timeline);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "0", "01", "-1", "LATEST", "latest ", "newest", "0x2", "1.0", "12345678901", "2; DROP"})
    void refusedTimelines(String timeline) {
        assertThatThrownBy(() -> request(TIME, null, timeline, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + timeline + "'");
    }

    @Test
    void inclusiveNeedsAPointTarget() {
        assertThatThrownBy(() -> request(new RecoveryTarget.EndOfArchive(), true, null, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--target-inclusive");
        assertThatThrownBy(() -> request(new RecoveryTarget.Immediate(), false, null, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--target-inclusive");
        assertThat(request(new RecoveryTarget.EndOfArchive(), null, null, 1).inclusive()).isNull();
    }

    @Test
    void portRange() {
        for (int bad : new int[] {0, -1, 65536}) {
            assertThatThrownBy(() -> new RestoreRequest(PGDATA, null, TIME, TargetAction.PROMOTE, null, null, CMD,
                    false, null, 1, false, bad, null)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(Integer.toString(bad));
        }
    }

    @Test
    void tablespaceMapIsCopied() {
        Map<Long, Path> map = new HashMap<>(Map.of(16500L, Path.of("/srv/new")));
        RestoreRequest r = new RestoreRequest(PGDATA, null, TIME, TargetAction.PROMOTE, null, null, CMD, false, map, 1,
                false, null, null);
        map.put(16501L, Path.of("/srv/other"));
        assertThat(r.tablespaceMap()).containsOnlyKeys(16500L);
        assertThatThrownBy(() -> r.tablespaceMap().put(1L, Path.of("/x")))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void aStandbyTakesNoTargetAndUsesStandbySignal() {
        StandbySettings primary = new StandbySettings("host=10.0.0.1 user=replicator", "standby1");
        RestoreRequest r = RestoreRequest.standby(PGDATA, null, primary, CMD, null, 2, false, null);
        assertThat(r.target()).isInstanceOf(RecoveryTarget.EndOfArchive.class);
        assertThat(r.targetTimeline()).isEqualTo("latest");
        assertThat(r.signalFile()).isEqualTo("standby.signal");
        assertThatThrownBy(() -> new RestoreRequest(PGDATA, null, TIME, TargetAction.PROMOTE, null, null, CMD, false,
                null, 1, false, null, primary)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("standby");
    }
}
