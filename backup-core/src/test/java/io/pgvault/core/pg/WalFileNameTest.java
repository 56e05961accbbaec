package io.pgvault.core.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgvault.core.pg.WalFileName.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WalFileNameTest {

    @Test
    void segment() {
        WalFileName n = WalFileName.parse("00000001000000020000000A");
        assertThat(n.kind()).isEqualTo(Kind.SEGMENT);
        assertThat(n.directory()).isEqualTo("0000000100000002");
        assertThat(n.timeline()).isEqualTo(TimelineId.of(1));
        assertThat(n).hasToString("00000001000000020000000A");
    }

    @Test
    void partialSegment() {
        WalFileName n = WalFileName.parse("00000003000000000000000A.partial");
        assertThat(n.kind()).isEqualTo(Kind.PARTIAL);
        assertThat(n.directory()).isEqualTo("0000000300000000");
        assertThat(n.timeline()).isEqualTo(TimelineId.of(3));
    }

    @Test
    void timelineHistory() {
        WalFileName n = WalFileName.parse("0000000A.history");
        assertThat(n.kind()).isEqualTo(Kind.HISTORY);
        assertThat(n.directory()).isNull();
        assertThat(n.timeline()).isEqualTo(TimelineId.of(10));
    }

    @Test
    void backupHistory() {
        WalFileName n = WalFileName.parse("000000010000000000000002.00000028.backup");
        assertThat(n.kind()).isEqualTo(Kind.BACKUP_HISTORY);
        assertThat(n.directory()).isEqualTo("0000000100000000");
        assertThat(n.timeline()).isEqualTo(TimelineId.of(1));
    }

    @Test
    void namesAreComparedExactly() {
        assertThat(WalFileName.parse("000000010000000000000001"))
                .isEqualTo(WalFileName.parse("000000010000000000000001"))
                .isNotEqualTo(WalFileName.parse("000000010000000000000001.partial"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "../x", "x", "..", "00000001000000000000000A/../../etc",
        "../00000001000000000000000A", "/tmp/00000001000000000000000A", "0000000100000000000000AA\n",
        "0000000100000000000000aa", "00000001000000000000000", "0000000100000000000000000",
        "00000001000000000000000A.partial.zst", "00000001000000000000000A.PARTIAL", "0000001.history",
        "00000002.history/..", "00000002.HISTORY", "00000001000000000000000A.0000028.backup",
        "00000001000000000000000A.backup", "RECOVERYXLOG", "00000001000000000000000A\\..\\x"})
    void refusesAnythingElse(String name) {
        assertThatThrownBy(() -> WalFileName.parse(name)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a WAL file name");
    }

    @Test
    void refusesNull() {
        assertThatThrownBy(() -> WalFileName.parse(null)).isInstanceOf(IllegalArgumentException.class);
    }
}
