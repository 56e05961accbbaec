package io.pgvault.core.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgvault.core.manifest.Chunk;
import io.pgvault.core.manifest.EntryKind;
import io.pgvault.core.manifest.FileEntry;
import io.pgvault.core.stream.Codec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CopyPlannerTest {

    private static final long MIB = 1024 * 1024;

    private static SourceEntry file(String path, long size) {
        return new SourceEntry(path, Path.of("/pgdata", path), EntryKind.FILE, size, 0600, 0, null);
    }

    private static SourceEntry dir(String path) {
        return new SourceEntry(path, Path.of("/pgdata", path), EntryKind.DIRECTORY, 0, 0700, 0, null);
    }

    private static SourceEntry link(String path) {
        return new SourceEntry(path, Path.of("/pgdata", path), EntryKind.LINK, 0, 0777, 0, "/srv/ts");
    }

    private static List<SourceEntry> allFiles(List<CopyTask> tasks) {
        List<SourceEntry> all = new ArrayList<>();
        tasks.forEach(t -> all.addAll(t.files()));
        return all;
    }

    @Test
    void nothingToCopy() {
        assertThat(CopyPlanner.plan(List.of(), MIB, Codec.ZSTD)).isEmpty();
        assertThat(CopyPlanner.plan(List.of(dir("base"), link("pg_tblspc/1")), MIB, Codec.ZSTD)).isEmpty();
    }

    @Test
    void largeFilesGetAnObjectEachSmallOnesShareABundle() {
        List<SourceEntry> entries = List.of(dir("base"), file("base/1/1259", 8192), file("base/1/16400", 300 * MIB),
                link("pg_tblspc/16500"), file("base/1/1249", 16384), file("base/1/16401", 2 * MIB),
                file("PG_VERSION", 3), file("base/1/empty", 0));
        List<CopyTask> tasks = CopyPlanner.plan(entries, MIB, Codec.ZSTD);

        assertThat(tasks).extracting(CopyTask::objectName).containsExactly("data/f1.zst", "data/f2.zst", "data/b1.zst");
        assertThat(tasks.get(0).files()).extracting(SourceEntry::path).containsExactly("base/1/16400");
        assertThat(tasks.get(1).files()).extracting(SourceEntry::path).containsExactly("base/1/16401");
        assertThat(tasks.get(2).files()).extracting(SourceEntry::path)
                .containsExactly("base/1/1259", "base/1/1249", "PG_VERSION", "base/1/empty");
        assertThat(tasks.get(2).bytes()).isEqualTo(8192 + 16384 + 3);
    }

    @Test
    void aFileOfExactlyTheLimitIsBundled() {
        List<CopyTask> tasks = CopyPlanner.plan(List.of(file("a", MIB), file("b", MIB + 1)), MIB, Codec.LZ4);
        assertThat(tasks).extracting(CopyTask::objectName).containsExactlyInAnyOrder("data/b1.lz4", "data/f1.lz4");
        assertThat(tasks).filteredOn(t -> t.objectName().startsWith("data/b"))
                .singleElement().satisfies(t -> assertThat(t.files()).extracting(SourceEntry::path).containsExactly("a"));
    }

    @Test
    void bundlesCloseAtTheByteTarget() {
        List<SourceEntry> entries = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            entries.add(file("base/1/" + (20000 + i), MIB));
        }
        List<CopyTask> tasks = CopyPlanner.plan(entries, MIB, Codec.GZIP);
        assertThat(tasks).extracting(CopyTask::objectName).containsExactly("data/b1.gz", "data/b2.gz");
        assertThat(tasks.get(0).files()).hasSize(32);
        assertThat(tasks.get(0).bytes()).isEqualTo(CopyPlanner.BUNDLE_TARGET);
        assertThat(tasks.get(1).files()).hasSize(8);
        assertThat(allFiles(tasks)).containsExactlyElementsOf(entries);
    }

    @Test
    void bundlesCloseAtFourThousandNinetySixFiles() {
        List<SourceEntry> entries = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            entries.add(file("base/1/" + (30000 + i), 1));
        }
        List<CopyTask> tasks = CopyPlanner.plan(entries, MIB, Codec.NONE);
        assertThat(tasks).extracting(CopyTask::objectName).containsExactly("data/b1.raw", "data/b2.raw");
        assertThat(tasks.get(0).files()).hasSize(4096);
        assertThat(tasks.get(1).files()).hasSize(904);
    }

    @Test
    void everyFileIsPlannedExactlyOnceWithUniqueObjectNamesLargestFirst() {
        List<SourceEntry> entries = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            long size = (i % 7 == 0) ? (i + 2) * MIB : (i * 37_111L) % (MIB / 2);
            entries.add(file("base/1/" + (40000 + i), size));
            if (i % 50 == 0) {
                entries.add(dir("base/d" + i));
            }
        }
        List<CopyTask> tasks = CopyPlanner.plan(entries, MIB, Codec.ZSTD);

        List<SourceEntry> planned = allFiles(tasks);
        assertThat(planned).hasSize(300).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(entries.stream().filter(e -> e.kind() == EntryKind.FILE).toList());
        Set<String> names = new HashSet<>();
        tasks.forEach(t -> assertThat(names.add(t.objectName())).as(t.objectName()).isTrue());
        assertThat(names).allMatch(n -> n.matches("data/[bf]\\d+\\.zst"));
        for (int i = 1; i < tasks.size(); i++) {
            assertThat(tasks.get(i - 1).bytes()).isGreaterThanOrEqualTo(tasks.get(i).bytes());
        }
        tasks.stream().filter(t -> t.objectName().startsWith("data/f"))
                .forEach(t -> assertThat(t.files()).singleElement().satisfies(e -> assertThat(e.size()).isGreaterThan(MIB)));
    }

    @Test
    void bundleKeepsTheScanOrderOfItsFiles() {
        List<SourceEntry> entries = List.of(file("z", 10), file("a", 20), file("m", 30));
        List<CopyTask> tasks = CopyPlanner.plan(entries, MIB, Codec.ZSTD);
        assertThat(tasks).singleElement().satisfies(t ->
                assertThat(t.files()).extracting(SourceEntry::path).containsExactly("z", "a", "m"));
    }

    @Test
    void filesAboveTheRangeSizeBecomeRangesOfAnObjectEach() {
        List<SourceEntry> entries = List.of(file("base/1/16400", 300 * MIB), file("base/1/16401", 128 * MIB),
                file("base/1/1259", 8192));
        List<CopyTask> tasks = CopyPlanner.plan(entries, MIB, 128 * MIB, Codec.ZSTD);

        List<CopyTask> ranges = tasks.stream().filter(CopyTask::isRange).toList();
        assertThat(ranges).extracting(CopyTask::objectName)
                .containsExactlyInAnyOrder("data/f1.0.zst", "data/f1.1.zst", "data/f1.2.zst");
        assertThat(ranges).allSatisfy(t -> assertThat(t.files()).extracting(SourceEntry::path)
                .containsExactly("base/1/16400"));
        CopyTask last = ranges.stream().filter(t -> t.objectName().equals("data/f1.2.zst")).findFirst().orElseThrow();
        assertThat(last.rangeOffset()).isEqualTo(256 * MIB);
        assertThat(last.rangeLength()).as("the last range reads to the end").isEqualTo(-1);
        assertThat(last.bytes()).isEqualTo(44 * MIB);
        assertThat(ranges.stream().mapToLong(CopyTask::bytes).sum()).isEqualTo(300 * MIB);
        // exactly the range size: one object, not split
        assertThat(tasks).filteredOn(t -> t.objectName().equals("data/f2.zst")).singleElement()
                .satisfies(t -> assertThat(t.isRange()).isFalse());
        assertThat(tasks.get(0).bytes()).as("largest work first").isEqualTo(128 * MIB);
    }

    @Test
    void rangesJoinInFileOrderUpToTheFirstGap() {
        FileEntry a = range(0, 10), b = range(10, 10), c = range(20, 5);
        FileEntry joined = ParallelCopy.joinRanges(new ArrayList<>(List.of(c, a, b)));
        assertThat(joined.size()).isEqualTo(25);
        assertThat(joined.sha256()).isNull();
        assertThat(joined.ranged()).isTrue();
        assertThat(joined.chunks()).extracting(Chunk::sourceOffset).containsExactly(0L, 10L, 20L);
        assertThat(joined.parts()).extracting(FileEntry::size).containsExactly(10L, 10L, 5L);
        assertThat(joined.needsComposing()).isFalse();

        // the file shrank while read: the second range came back short, the third is beyond the new end
        FileEntry shortB = range(10, 4);
        FileEntry shrunk = ParallelCopy.joinRanges(new ArrayList<>(List.of(a, shortB, c)));
        assertThat(shrunk.size()).isEqualTo(14);
        assertThat(shrunk.chunks()).extracting(Chunk::sourceOffset).containsExactly(0L, 10L);
    }

    private static FileEntry range(long offset, long length) {
        Chunk chunk = new Chunk("data/f1." + offset + ".zst", 0, 3, offset, length, null, null,
                "ab".repeat(32), "0123abcd");
        return new FileEntry("base/1/16400", EntryKind.FILE, length, 0600, 0, null, null, List.of(chunk));
    }
}
