package io.pgvault.storage.swift;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Segment naming and where a delete looks for segments. No server needed. */
class SloSegmentsTest {

    @Test
    void aSegmentNamesItsObject() {
        String segment = SloSegments.segmentName("c/backups/1/base/16384/1259", "mx1-abc", 12);
        assertThat(segment).isEqualTo("c/backups/1/base/16384/1259/mx1-abc/00000012");
        assertThat(SloSegments.owner(segment)).isEqualTo("c/backups/1/base/16384/1259");
        assertThat(SloSegments.owner("top/u/00000001")).isEqualTo("top");
        assertThat(SloSegments.owner("stray")).isEmpty();
    }

    @Test
    void deletesLookUnderTheNarrowestPrefixes() {
        assertThat(SloSegments.sweepPrefixes(List.of("c/wal/0001/a", "c/wal/0001/b"))).containsExactly("c/wal/0001/");
        assertThat(SloSegments.sweepPrefixes(List.of("c/x"))).containsExactly("c/x");
        // WAL and a backup together: two narrow listings rather than one of the whole cluster
        assertThat(SloSegments.sweepPrefixes(List.of("c/wal/0001/a", "c/wal/0001/b", "c/backups/7/base/1",
                "c/backups/7/base/2"))).containsExactly("c/backups/7/base/", "c/wal/0001/");
        assertThat(SloSegments.sweepPrefixes(List.of("c/wal/1", "c/backups/7/base/1")))
                .containsExactly("c/backups/7/base/1", "c/wal/1");
        assertThat(SloSegments.sweepPrefixes(List.of("c/cluster.json", "c/wal/1"))).containsExactly("c/");
    }

    @Test
    void manyDirectoriesShareOneListing() {
        List<String> names = IntStream.range(0, 40).mapToObj(i -> "c/backups/9/base/" + i + "/f")
                .collect(Collectors.toList());
        assertThat(SloSegments.sweepPrefixes(names)).containsExactly("c/backups/9/base/");
    }
}
