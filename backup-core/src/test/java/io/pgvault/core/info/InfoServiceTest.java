package io.pgvault.core.info;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.pg.Lsn;
import io.pgvault.core.pg.TimelineId;
import io.pgvault.core.pg.WalFileName;
import io.pgvault.core.pg.WalSegmentSize;
import io.pgvault.core.repo.ArchivedWal;
import io.pgvault.core.repo.BackupId;
import io.pgvault.core.repo.BackupType;
import io.pgvault.core.repo.ClusterInfo;
import io.pgvault.core.repo.Repository;
import io.pgvault.core.stream.Codec;
import io.pgvault.core.wal.WalPushService;
import io.pgvault.storage.InMemoryStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InfoServiceTest {

    private static final WalSegmentSize SIZE = WalSegmentSize.DEFAULT;
    private static final Instant T0 = Instant.parse("2026-11-20T10:00:00Z");

    private static ArchivedWal wal(String name, int minutes) {
        return new ArchivedWal(WalFileName.parse(name), "main/wal/x/" + name + ".zst", Codec.ZSTD, 1000,
                T0.plusSeconds(60L * minutes));
    }

    private static BackupManifest backup(String id, int timeline, String startWal, String stopWal, int stopMinutes) {
        return new BackupManifest(BackupManifest.FORMAT, BackupId.parse(id), BackupType.FULL, null, "main", "1", 150018,
                SIZE.bytes(), TimelineId.of(timeline), Lsn.parse("0/1000028"), Lsn.parse("0/1000100"), startWal,
                stopWal, T0.plusSeconds(60L * stopMinutes - 30), T0.plusSeconds(60L * stopMinutes), "label", null,
                Codec.ZSTD, 3, null, List.of(), List.of(), 0, 0, "test");
    }

    /** Timeline 1: 1-3, gap, 5-6; timeline 2: 6-7; plus files that are not segments. */
    private static List<ArchivedWal> archive() {
        List<ArchivedWal> wal = new ArrayList<>(List.of(
                wal("000000010000000000000001", 1),
                wal("000000010000000000000002", 2),
                wal("000000010000000000000003", 3),
                wal("000000010000000000000005", 5),
                wal("000000010000000000000006", 6),
                wal("00000002.history", 7),
                wal("000000010000000000000006.partial", 7),
                wal("000000020000000000000006", 8),
                wal("000000020000000000000007", 9),
                wal("000000010000000000000002.00000028.backup", 2)));
        Collections.reverse(wal); // order of input must not matter
        return wal;
    }

    @Test
    void rangesPerTimelineSplitAtGaps() {
        List<WalRange> ranges = InfoService.ranges(archive(), SIZE);
        assertThat(ranges).containsExactly(
                new WalRange(TimelineId.of(1), "000000010000000000000001", "000000010000000000000003", 3,
                        T0.plusSeconds(180)),
                new WalRange(TimelineId.of(1), "000000010000000000000005", "000000010000000000000006", 2,
                        T0.plusSeconds(360)),
                new WalRange(TimelineId.of(2), "000000020000000000000006", "000000020000000000000007", 2,
                        T0.plusSeconds(540)));
    }

    @Test
    void lastArchivedAtIsTheNewestOfTheRunNotTheLastSegment() {
        List<ArchivedWal> wal = List.of(wal("000000010000000000000001", 50), wal("000000010000000000000002", 10));
        assertThat(InfoService.ranges(wal, SIZE)).singleElement()
                .satisfies(r -> assertThat(r.lastArchivedAt()).isEqualTo(T0.plusSeconds(3000)));
    }

    @Test
    void aRunContinuesAcrossLogIds() {
        List<ArchivedWal> wal = List.of(wal("0000000100000000000000FE", 1), wal("0000000100000000000000FF", 2),
                wal("000000010000000100000000", 3), wal("000000010000000100000001", 4));
        assertThat(InfoService.ranges(wal, SIZE)).singleElement().satisfies(r -> {
            assertThat(r.first()).isEqualTo("0000000100000000000000FE");
            assertThat(r.last()).isEqualTo("000000010000000100000001");
            assertThat(r.segments()).isEqualTo(4);
        });
    }

    @Test
    void namesImpossibleForTheSegmentSizeAreIgnored() {
        List<ArchivedWal> wal = List.of(wal("000000010000000000000001", 1), wal("000000010000000000000100", 2));
        assertThat(InfoService.ranges(wal, SIZE)).singleElement()
                .satisfies(r -> assertThat(r.last()).isEqualTo("000000010000000000000001"));
        // with 1 MiB segments the same name is a valid segment, in a run of its own
        assertThat(InfoService.ranges(wal, new WalSegmentSize(1024 * 1024))).hasSize(2);
    }

    @Test
    void noSegmentsNoRanges() {
        assertThat(InfoService.ranges(List.of(), SIZE)).isEmpty();
        assertThat(InfoService.ranges(List.of(wal("00000002.history", 1)), SIZE)).isEmpty();
    }

    @Test
    void rangeOfFindsTheRunHoldingASegment() {
        List<WalRange> ranges = InfoService.ranges(archive(), SIZE);
        assertThat(InfoService.rangeOf(ranges, "000000010000000000000002")).contains(ranges.get(0));
        assertThat(InfoService.rangeOf(ranges, "000000010000000000000006")).contains(ranges.get(1));
        assertThat(InfoService.rangeOf(ranges, "000000020000000000000006")).contains(ranges.get(2));
        assertThat(InfoService.rangeOf(ranges, "000000010000000000000004")).isEmpty();
        assertThat(InfoService.rangeOf(ranges, "000000020000000000000005")).isEmpty();
        assertThat(InfoService.rangeOf(ranges, "000000030000000000000006")).isEmpty();
    }

    @Test
    void windowRunsFromTheOldestUsableBackupToTheNewestReachableWal() {
        List<WalRange> ranges = InfoService.ranges(archive(), SIZE);
        BackupManifest b = backup("20261120T100100F", 1, "000000010000000000000001", "000000010000000000000002", 2);
        Optional<RecoverableWindow> w = InfoService.window(List.of(b), ranges, SIZE);
        // timeline 2 (a later timeline) is reachable; the run after the gap on timeline 1 is not
        assertThat(w).contains(new RecoverableWindow(T0.plusSeconds(120), T0.plusSeconds(540),
                "000000020000000000000007"));
    }

    @Test
    void aStreamedPartialEndsItsRunAndTheWindowMarkedPartial() {
        List<ArchivedWal> wal = List.of(wal("000000010000000000000001", 1), wal("000000010000000000000002", 2),
                wal("000000010000000000000003.partial", 3));
        List<WalRange> ranges = InfoService.ranges(wal, SIZE);
        assertThat(ranges).containsExactly(new WalRange(TimelineId.of(1), "000000010000000000000001",
                "000000010000000000000003", 3, T0.plusSeconds(180), true));
        BackupManifest b = backup("20261120T100100F", 1, "000000010000000000000001", "000000010000000000000002", 2);
        assertThat(InfoService.window(List.of(b), ranges, SIZE)).contains(new RecoverableWindow(T0.plusSeconds(120),
                T0.plusSeconds(180), "000000010000000000000003", true));
        // a backup whose stop segment exists only as a partial does not have its WAL yet
        BackupManifest unfinished = backup("20261120T100300F", 1, "000000010000000000000003",
                "000000010000000000000003", 3);
        assertThat(InfoService.window(List.of(unfinished), ranges, SIZE)).isEmpty();
    }

    @Test
    void aPartialBesideItsWholeSegmentIsIgnoredAndNothingFollowsAPartialInARun() {
        List<ArchivedWal> wal = List.of(wal("000000010000000000000001", 1), wal("000000010000000000000001.partial",
                0), wal("000000010000000000000002.partial", 2), wal("000000010000000000000003", 3));
        assertThat(InfoService.ranges(wal, SIZE)).containsExactly(
                new WalRange(TimelineId.of(1), "000000010000000000000001", "000000010000000000000002", 2,
                        T0.plusSeconds(120), true),
                new WalRange(TimelineId.of(1), "000000010000000000000003", "000000010000000000000003", 1,
                        T0.plusSeconds(180), false));
    }

    @Test
    void walAfterAGapOnTheSameTimelineIsNotReachable() {
        List<ArchivedWal> wal = List.of(wal("000000010000000000000001", 1), wal("000000010000000000000002", 2),
                wal("000000010000000000000004", 30), wal("000000010000000000000005", 31));
        BackupManifest b = backup("20261120T100100F", 1, "000000010000000000000001", "000000010000000000000001", 1);
        Optional<RecoverableWindow> w = InfoService.window(List.of(b), InfoService.ranges(wal, SIZE), SIZE);
        assertThat(w).contains(new RecoverableWindow(T0.plusSeconds(60), T0.plusSeconds(120),
                "000000010000000000000002"));
    }

    @Test
    void aBackupWhoseWalIsIncompleteIsUnusable() {
        List<WalRange> ranges = InfoService.ranges(archive(), SIZE);
        // needs segments 3..5 but 4 is missing
        BackupManifest gap = backup("20261120T100300F", 1, "000000010000000000000003", "000000010000000000000005", 4);
        // its start segment was never archived
        BackupManifest noStart = backup("20261120T100400F", 1, "000000010000000000000004", "000000010000000000000004", 5);
        // its WAL is beyond the end of the archive
        BackupManifest tooNew = backup("20261120T100900F", 2, "000000020000000000000007", "000000020000000000000008", 10);
        assertThat(InfoService.window(List.of(gap, noStart, tooNew), ranges, SIZE)).isEmpty();

        BackupManifest good = backup("20261120T100500F", 1, "000000010000000000000005", "000000010000000000000006", 6);
        assertThat(InfoService.window(List.of(gap, good, noStart, tooNew), ranges, SIZE))
                .map(RecoverableWindow::earliest).contains(T0.plusSeconds(360));
    }

    @Test
    void earliestIsTheOldestUsableBackupWhateverTheOrder() {
        List<WalRange> ranges = InfoService.ranges(archive(), SIZE);
        BackupManifest older = backup("20261120T100100F", 1, "000000010000000000000001", "000000010000000000000001", 1);
        BackupManifest newer = backup("20261120T100500F", 1, "000000010000000000000005", "000000010000000000000005", 5);
        assertThat(InfoService.window(List.of(newer, older), ranges, SIZE))
                .map(RecoverableWindow::earliest).contains(T0.plusSeconds(60));
        // the newest reachable WAL is the newest over all usable backups
        assertThat(InfoService.window(List.of(newer, older), ranges, SIZE))
                .map(RecoverableWindow::latestWal).contains("000000020000000000000007");
    }

    @Test
    void noBackupsNoWindow() {
        assertThat(InfoService.window(List.of(), InfoService.ranges(archive(), SIZE), SIZE)).isEmpty();
        BackupManifest b = backup("20261120T100100F", 1, "000000010000000000000001", "000000010000000000000001", 1);
        assertThat(InfoService.window(List.of(b), List.of(), SIZE)).isEmpty();
    }

    @Test
    void summarizeReadsTheRepository(@TempDir Path pgWal) throws IOException {
        InMemoryStorage storage = new InMemoryStorage();
        Repository repo = new Repository(storage, "main");
        assertThatThrownBy(() -> new InfoService(repo).summarize())
                .isInstanceOfSatisfying(PgVaultException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));

        int mib = 1024 * 1024;
        ClusterInfo cluster = new ClusterInfo(ClusterInfo.FORMAT, "main", "1", 150018, mib, T0, null);
        repo.createClusterInfo(cluster);
        WalPushService push = new WalPushService(repo, Codec.ZSTD, 0);
        for (String name : List.of("000000010000000000000001", "000000010000000000000002",
                "000000020000000000000002")) {
            push.push(Files.write(pgWal.resolve(name), new byte[mib]));
        }
        push.push(Files.writeString(pgWal.resolve("00000002.history"),
                "1\t0/2000000\tno recovery target specified\n"));
        repo.writeManifest(backup("20261120T100100F", 1, "000000010000000000000001", "000000010000000000000002", 2));

        RepositorySummary s = new InfoService(repo).summarize();
        assertThat(s.cluster()).isEqualTo(cluster);
        assertThat(s.backups()).extracting(b -> b.manifest().id().toString()).containsExactly("20261120T100100F");
        assertThat(s.walRanges()).extracting(WalRange::first)
                .containsExactly("000000010000000000000001", "000000020000000000000002");
        assertThat(s.walRanges()).extracting(WalRange::segments).containsExactly(2L, 1L);
        assertThat(s.histories()).containsExactly("00000002.history");
        assertThat(s.window()).isPresent();
        assertThat(s.window().get().earliest()).isEqualTo(T0.plusSeconds(120));
    }
}
