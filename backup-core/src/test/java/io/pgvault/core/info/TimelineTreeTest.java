package io.pgvault.core.info;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgvault.core.pg.Lsn;
import io.pgvault.core.pg.TimelineHistory;
import io.pgvault.core.pg.TimelineId;
import io.pgvault.core.repo.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

class TimelineTreeTest {

    private static final TimelineId ONE = TimelineId.of(1);
    private static final TimelineId TWO = TimelineId.of(2);
    private static final TimelineId THREE = TimelineId.of(3);
    private static final TimelineId FOUR = TimelineId.of(4);

    /** 1 ─┬─ 2 ── 3, and 4 branched off 1 later (a second restore of the old history). */
    private static final TimelineTree TREE = TimelineTree.of(List.of(ONE), List.of(
            TimelineHistory.parse(TWO, "1\t0/3000158\tno recovery target specified\n"),
            TimelineHistory.parse(THREE, "1\t0/3000158\tno recovery target specified\n2\t0/5000000\tbefore 2026\n"),
            TimelineHistory.parse(FOUR, "1\t0/7000000\tafter transaction 745\n")));

    @Test
    void nodesKnowTheirParentAndSwitchPoint() {
        assertThat(TREE.nodes()).extracting(TimelineTree.Node::timeline).containsExactly(ONE, TWO, THREE, FOUR);
        assertThat(TREE.node(THREE).orElseThrow()).isEqualTo(new TimelineTree.Node(THREE, TWO, Lsn.parse("0/5000000"),
                "before 2026"));
        assertThat(TREE.roots()).extracting(TimelineTree.Node::timeline).containsExactly(ONE);
        assertThat(TREE.children(ONE)).extracting(TimelineTree.Node::timeline).containsExactly(TWO, FOUR);
        assertThat(TREE.latest()).isEqualTo(FOUR);
    }

    @Test
    void pathsAndSwitchPointsComeFromTheDescendantsHistory() {
        assertThat(TREE.isOnPathTo(ONE, THREE)).isTrue();
        assertThat(TREE.isOnPathTo(TWO, THREE)).isTrue();
        assertThat(TREE.isOnPathTo(TWO, FOUR)).isFalse();
        assertThat(TREE.isOnPathTo(FOUR, FOUR)).isTrue();
        assertThat(TREE.switchPoint(ONE, THREE)).contains(Lsn.parse("0/3000158"));
        assertThat(TREE.switchPoint(ONE, FOUR)).contains(Lsn.parse("0/7000000"));
        assertThat(TREE.switchPoint(TWO, FOUR)).isEmpty();
    }

    @Test
    void aTimelineWithoutArchivedHistoryHasNoKnownParent() {
        TimelineTree t = TimelineTree.of(List.of(ONE, TWO), List.of());
        assertThat(t.node(TWO).orElseThrow().parent()).isNull();
        assertThat(t.isOnPathTo(ONE, TWO)).isFalse();
        assertThat(TimelineTree.of(List.of(), List.of()).latest()).isEqualTo(ONE);
    }

    @Test
    void jsonIsTheListOfNodes() throws Exception {
        assertThat(Json.mapper().writeValueAsString(TimelineTree.of(List.of(ONE), List.of(
                TimelineHistory.parse(TWO, "1\t0/3000158\tx\n")))))
                .isEqualTo("[{\"timeline\":1},{\"timeline\":2,\"parent\":1,\"switchPoint\":\"0/3000158\","
                        + "\"reason\":\"x\"}]");
    }
}
