package io.pgvault.core.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TimelineHistoryTest {

    /** What PostgreSQL writes into 00000003.history after two promotions. */
    private static final String THREE = """
            1\t0/3000158\tno recovery target specified

            2\t0/5000000\tat restore point "before_upgrade"
            """;

    @Test
    void parsesEntriesInOrder() {
        TimelineHistory h = TimelineHistory.parse(TimelineId.of(3), THREE);
        assertThat(h.timeline()).isEqualTo(TimelineId.of(3));
        assertThat(h.entries()).containsExactly(
                new TimelineHistory.Entry(TimelineId.of(1), Lsn.parse("0/3000158"), "no recovery target specified"),
                new TimelineHistory.Entry(TimelineId.of(2), Lsn.parse("0/5000000"),
                        "at restore point \"before_upgrade\""));
    }

    @Test
    void ancestry() {
        TimelineHistory h = TimelineHistory.parse(TimelineId.of(3), THREE);
        assertThat(h.descendsFrom(TimelineId.of(1))).isTrue();
        assertThat(h.descendsFrom(TimelineId.of(2))).isTrue();
        assertThat(h.descendsFrom(TimelineId.of(3))).isTrue();
        assertThat(h.descendsFrom(TimelineId.of(4))).isFalse();
        assertThat(h.switchPointFrom(TimelineId.of(1))).contains(Lsn.parse("0/3000158"));
        assertThat(h.switchPointFrom(TimelineId.of(2))).contains(Lsn.parse("0/5000000"));
        assertThat(h.switchPointFrom(TimelineId.of(3))).isEmpty();
    }

    @Test
    void skipsCommentsBlankLinesAndCarriageReturns() {
        String content = "# comment\r\n\r\n   \n1\t0/3000158\tno recovery target specified\r\n# trailing\n";
        TimelineHistory h = TimelineHistory.parse(TimelineId.of(2), content);
        assertThat(h.entries()).containsExactly(new TimelineHistory.Entry(TimelineId.of(1), Lsn.parse("0/3000158"),
                "no recovery target specified"));
    }

    @Test
    void reasonIsOptionalAndSpacesSeparateToo() {
        TimelineHistory h = TimelineHistory.parse(TimelineId.of(2), "1 0/3000158\n");
        assertThat(h.entries()).containsExactly(new TimelineHistory.Entry(TimelineId.of(1), Lsn.parse("0/3000158"), ""));
    }

    @Test
    void emptyContentHasNoEntries() {
        TimelineHistory h = TimelineHistory.parse(TimelineId.of(1), "");
        assertThat(h.entries()).isEmpty();
        assertThat(h.descendsFrom(TimelineId.of(1))).isTrue();
        assertThat(h.descendsFrom(TimelineId.of(2))).isFalse();
    }

    @Test
    void refusesMalformedLinesNamingTheFile() {
        assertThatThrownBy(() -> TimelineHistory.parse(TimelineId.of(3), "1\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("00000003.history");
        assertThatThrownBy(() -> TimelineHistory.parse(TimelineId.of(3), "1\tnot-an-lsn\treason\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not-an-lsn");
        assertThatThrownBy(() -> TimelineHistory.parse(TimelineId.of(3), "one\t0/3000158\treason\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("one");
    }

    @Test
    void entriesAreImmutable() {
        TimelineHistory h = TimelineHistory.parse(TimelineId.of(3), THREE);
        assertThatThrownBy(() -> h.entries().clear()).isInstanceOf(UnsupportedOperationException.class);
    }
}
