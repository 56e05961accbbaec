package io.pgvault.core.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BackupLabelTest {

    /** backup_label as pg_backup_stop returns it on PostgreSQL 15. */
    private static final String LABEL = """
            START WAL LOCATION: 0/2000028 (file 000000010000000000000002)
            CHECKPOINT LOCATION: 0/2000060
            BACKUP METHOD: streamed
            BACKUP FROM: primary
            START TIME: 2026-11-20 10:15:00 UTC
            LABEL: pgvault 20261120T101500F
            START TIMELINE: 1
            """;

    @Test
    void parsesTheFieldsPgvaultNeeds() {
        BackupLabel label = BackupLabel.parse(LABEL);
        assertThat(label.startLsn()).isEqualTo(Lsn.parse("0/2000028"));
        assertThat(label.startWalFile()).isEqualTo("000000010000000000000002");
        assertThat(label.startTimeline()).isEqualTo(TimelineId.of(1));
        assertThat(label.checkpointLsn()).isEqualTo(Lsn.parse("0/2000060"));
    }

    @Test
    void readsLaterTimelinesAndHighLsns() {
        String label = LABEL.replace("0/2000028 (file 000000010000000000000002)",
                        "1A/FF000028 (file 0000000C0000001A000000FF)")
                .replace("CHECKPOINT LOCATION: 0/2000060", "CHECKPOINT LOCATION: 1A/FF000060")
                .replace("START TIMELINE: 1", "START TIMELINE: 12");
        BackupLabel parsed = BackupLabel.parse(label);
        assertThat(parsed.startLsn()).isEqualTo(Lsn.parse("1A/FF000028"));
        assertThat(parsed.startWalFile()).isEqualTo("0000000C0000001A000000FF");
        assertThat(parsed.startTimeline()).isEqualTo(TimelineId.of(12));
        assertThat(parsed.checkpointLsn()).isEqualTo(Lsn.parse("1A/FF000060"));
    }

    @Test
    void toleratesCarriageReturns() {
        BackupLabel label = BackupLabel.parse(LABEL.replace("\n", "\r\n"));
        assertThat(label.startTimeline()).isEqualTo(TimelineId.of(1));
        assertThat(label.checkpointLsn()).isEqualTo(Lsn.parse("0/2000060"));
    }

    @Test
    void refusesALabelWithoutStartLocation() {
        String noStart = LABEL.lines().filter(l -> !l.startsWith("START WAL")).reduce("", (a, b) -> a + b + "\n");
        assertThatThrownBy(() -> BackupLabel.parse(noStart)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("START WAL LOCATION");
    }

    @Test
    void refusesALabelWithoutTimelineOrCheckpoint() {
        String noTimeline = LABEL.replace("START TIMELINE: 1\n", "");
        assertThatThrownBy(() -> BackupLabel.parse(noTimeline)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("START TIMELINE");
        String noCheckpoint = LABEL.replace("CHECKPOINT LOCATION: 0/2000060\n", "");
        assertThatThrownBy(() -> BackupLabel.parse(noCheckpoint)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("CHECKPOINT LOCATION");
    }

    @Test
    void refusesGarbageValues() {
        assertThatThrownBy(() -> BackupLabel.parse(LABEL.replace("START TIMELINE: 1", "START TIMELINE: one")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BackupLabel.parse(LABEL.replace("CHECKPOINT LOCATION: 0/2000060",
                "CHECKPOINT LOCATION: nowhere"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BackupLabel.parse("")).isInstanceOf(IllegalArgumentException.class);
    }
}
