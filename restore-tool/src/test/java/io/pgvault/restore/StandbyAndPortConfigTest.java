package io.pgvault.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StandbyAndPortConfigTest {

    @TempDir
    Path dir;

    @Test
    void standbyGetsPrimaryConninfoLatestTimelineAndStandbySignal() throws Exception {
        RestoreRequest r = RestoreRequest.standby(dir, null, new StandbySettings("host=p password=x", "slot_1"),
                "pgvault wal-fetch %f %p", Map.of(), 1, false, 5433);
        Map<String, String> s = RecoveryConfigWriter.settings(r);
        assertThat(s).containsEntry("primary_conninfo", "host=p password=x").containsEntry("primary_slot_name",
                "slot_1").containsEntry("recovery_target_timeline", "latest").containsEntry("port", "5433")
                .doesNotContainKey("recovery_target_action");
        RecoveryConfigWriter.write(dir, s, r.signalFile());
        assertThat(dir.resolve("standby.signal")).exists();
        assertThat(dir.resolve("recovery.signal")).doesNotExist();
    }

    @Test
    void replacesEarlierRecoverySettingsAndPort() throws Exception {
        Files.writeString(dir.resolve("postgresql.auto.conf"), "# Do not edit\nport = 5432\nwork_mem = '8MB'\n"
                + "primary_conninfo = 'old'\nrecovery_target_time = 'x'\n");
        RestoreRequest r = new RestoreRequest(dir, null, new RecoveryTarget.Immediate(), TargetAction.PAUSE, null,
                null, "cmd", true, Map.of(), 1, false, 6000, null);
        RecoveryConfigWriter.write(dir, RecoveryConfigWriter.settings(r), r.signalFile());
        String conf = Files.readString(dir.resolve("postgresql.auto.conf"));
        assertThat(conf).contains("work_mem = '8MB'").contains("port = '6000'").contains("recovery_target = "
                + "'immediate'").contains("recovery_target_action = 'pause'").contains("archive_mode = 'off'")
                .doesNotContain("port = 5432").doesNotContain("'old'").doesNotContain("recovery_target_time");
        assertThat(dir.resolve("recovery.signal")).exists();
    }

    @Test
    void standbyTakesNoTargetAndPortsAreChecked() {
        assertThatThrownBy(() -> new RestoreRequest(dir, null, new RecoveryTarget.Immediate(), TargetAction.PROMOTE,
                null, null, "cmd", false, Map.of(), 1, false, null, new StandbySettings("host=p", null)))
                .hasMessageContaining("no recovery target");
        assertThatThrownBy(() -> new RestoreRequest(dir, null, new RecoveryTarget.EndOfArchive(), TargetAction.PROMOTE,
                null, null, "cmd", false, Map.of(), 1, false, 70000, null)).hasMessageContaining("out of range");
        assertThatThrownBy(() -> new StandbySettings(" ", null)).hasMessageContaining("empty");
    }
}
