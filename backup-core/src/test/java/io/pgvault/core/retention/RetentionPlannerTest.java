package io.pgvault.core.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.info.TimelineTree;
import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.pg.Lsn;
import io.pgvault.core.pg.TimelineHistory;
import io.pgvault.core.pg.TimelineId;
import io.pgvault.core.pg.WalFileName;
import io.pgvault.core.pg.WalSegmentSize;
import io.pgvault.core.repo.ArchivedWal;
import io.pgvault.core.repo.BackupId;
import io.pgvault.core.repo.BackupType;
import io.pgvault.core.stream.Codec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RetentionPlannerTest {

    private static final WalSegmentSize SIZE = WalSegmentSize.DEFAULT;
    private static final Instant NOW = Instant.parse("2026-11-21T12:00:00Z");
    private static final TimelineTree ONE_TIMELINE = TimelineTree.of(List.of(TimelineId.of(1)), List.of());

    /**
     * A backup on a timeline that starts in segment {@code segment} and ends {@code daysAgo} days before NOW; its id
     * carries the same time, so ids and stop times sort alike.
     */
    private static BackupManifest backup(BackupType type, double daysAgo, int timeline, int segment, BackupManifest parent) {
        Instant stop = NOW.minus(Duration.ofMinutes((long) (daysAgo * 24 * 60)));
        Lsn start = new Lsn(segment * SIZE.bytes() + 0x28);
        Lsn end = new Lsn(segment * SIZE.bytes() + 0x100);
        String wal = String.format("%08X%08X%08X", timeline, 0, segment);
        return new BackupManifest(BackupManifest.FORMAT, BackupId.of(stop.minusSeconds(60), type), type,
                parent == null ? null : parent.id(), "main", "1", 150000, SIZE.bytes(), TimelineId.of(timeline),
                start, end, wal, wal, stop.minusSeconds(60), stop, "label", null, Codec.ZSTD, 3, null, List.of(),
                List.of(), 0, 0, "test");
    }

    private static BackupManifest full(double daysAgo, int segment) {
        return backup(BackupType.FULL, daysAgo, 1, segment, null);
    }

    private static ArchivedWal wal(String name, double daysAgo) {
        WalFileName n = WalFileName.parse(name);
        return new ArchivedWal(n, "main/wal/" + (n.directory() == null ? "" : n.directory() + "/") + name + ".zst",
                Codec.ZSTD, 100, NOW.minus(Duration.ofMinutes((long) (daysAgo * 24 * 60))));
    }

    /** Segments first..last of timeline 1, archived one a day going back from {@code newestDaysAgo}. */
    private static List<ArchivedWal> segments(int timeline, int first, int last, double newestDaysAgo) {
        List<ArchivedWal> out = new ArrayList<>();
        for (int s = first; s <= last; s++) {
            out.add(wal(String.format("%08X%08X%08X", timeline, 0, s), newestDaysAgo + (last - s) * 0.1));
        }
        return out;
    }

    private static RetentionPlan plan(RetentionPolicy policy, List<BackupManifest> backups, Set<BackupId> pins,
                                      List<ArchivedWal> wal, TimelineTree tree) {
        return new RetentionPlanner(policy, NOW).plan(backups, pins, wal, SIZE, tree);
    }

    private static List<String> names(List<ArchivedWal> wal) {
        return wal.stream().map(w -> w.name().name()).toList();
    }

    @Test
    void countKeepsTheNewestFullsAndRemovesTheWalBeforeThem() {
        BackupManifest f1 = full(4, 2);
        BackupManifest f2 = full(3, 4);
        BackupManifest f3 = full(2, 6);
        BackupManifest f4 = full(1, 8);
        List<ArchivedWal> wal = segments(1, 1, 9, 0.5);
        RetentionPlan p = plan(new RetentionPolicy(2, null), List.of(f1, f2, f3, f4), Set.of(), wal, ONE_TIMELINE);

        assertThat(p.expired()).containsExactly(f1.id(), f2.id());
        assertThat(p.kept()).containsExactly(f3.id(), f4.id());
        assertThat(p.walCutoff()).isEqualTo(f3.startLsn());
        assertThat(names(p.expiredWal())).containsExactly("000000010000000000000001", "000000010000000000000002",
                "000000010000000000000003", "000000010000000000000004", "000000010000000000000005");
        assertThat(p.window()).get().extracting(w -> w.earliest()).isEqualTo(f3.stopTime());
    }

    @Test
    void countKeepsEverythingNewerThanTheOldestKeptFullWithItsChain() {
        BackupManifest f1 = full(5, 2);
        BackupManifest i1 = backup(BackupType.INCREMENTAL, 4.5, 1, 3, f1);
        BackupManifest f2 = full(4, 4);
        BackupManifest i2 = backup(BackupType.INCREMENTAL, 3, 1, 5, f2);
        BackupManifest i3 = backup(BackupType.INCREMENTAL, 2, 1, 6, i2);
        BackupManifest d2 = backup(BackupType.DIFFERENTIAL, 1, 1, 7, f2);
        RetentionPlan p = plan(new RetentionPolicy(1, null), List.of(f1, i1, f2, i2, i3, d2), Set.of(),
                segments(1, 1, 8, 0.5), ONE_TIMELINE);

        assertThat(p.kept()).containsExactly(f2.id(), i2.id(), i3.id(), d2.id());
        assertThat(p.expired()).containsExactly(f1.id(), i1.id());
        assertThat(p.decisions()).filteredOn(d -> d.id().equals(i1.id())).singleElement()
                .satisfies(d -> assertThat(d.reason()).contains("depends on expired backup " + f1.id()));
        assertThat(p.walCutoff()).isEqualTo(f2.startLsn());
    }

    @Test
    void aKeptIncrementalKeepsItsWholeChain() {
        BackupManifest f1 = full(10, 2);
        BackupManifest i1 = backup(BackupType.INCREMENTAL, 9, 1, 3, f1);
        BackupManifest i2 = backup(BackupType.INCREMENTAL, 8, 1, 4, i1);
        BackupManifest f0 = full(12, 1);
        // the window starts 7 days ago: i2 is the newest backup before it and needs i1 and f1
        RetentionPlan p = plan(new RetentionPolicy(null, 7), List.of(f0, f1, i1, i2), Set.of(),
                segments(1, 1, 6, 0.5), ONE_TIMELINE);

        assertThat(p.kept()).containsExactly(f1.id(), i1.id(), i2.id());
        assertThat(p.expired()).containsExactly(f0.id());
        assertThat(p.decisions()).filteredOn(d -> d.id().equals(f1.id())).singleElement()
                .satisfies(d -> assertThat(d.reason()).contains("needed by " + i1.id()));
        assertThat(p.walCutoff()).isEqualTo(f1.startLsn());
    }

    @Test
    void windowKeepsTheNewestBackupBeforeItAndEverythingNewer() {
        BackupManifest old = full(10, 2);
        BackupManifest anchor = full(5, 4);
        BackupManifest recent = full(2, 6);
        RetentionPlan p = plan(new RetentionPolicy(null, 3), List.of(old, anchor, recent), Set.of(),
                segments(1, 1, 7, 0.5), ONE_TIMELINE);

        assertThat(p.expired()).containsExactly(old.id());
        assertThat(p.kept()).containsExactly(anchor.id(), recent.id());
        // every point of the window (from 3 days ago) is reachable: the window starts before it
        assertThat(p.window()).get().satisfies(w ->
                assertThat(w.earliest()).isBefore(NOW.minus(Duration.ofDays(3))));
    }

    @Test
    void bothRulesKeepWhatEitherKeeps() {
        BackupManifest f1 = full(20, 2);
        BackupManifest f2 = full(10, 4);
        BackupManifest f3 = full(6, 6);
        BackupManifest f4 = full(1, 8);
        List<BackupManifest> all = List.of(f1, f2, f3, f4);
        List<ArchivedWal> wal = segments(1, 1, 9, 0.5);

        assertThat(plan(new RetentionPolicy(1, null), all, Set.of(), wal, ONE_TIMELINE).kept()).containsExactly(f4.id());
        // 5 days: f3 (6 days ago) is the newest backup before the window
        assertThat(plan(new RetentionPolicy(null, 5), all, Set.of(), wal, ONE_TIMELINE).kept())
                .containsExactly(f3.id(), f4.id());
        assertThat(plan(new RetentionPolicy(1, 5), all, Set.of(), wal, ONE_TIMELINE).kept())
                .containsExactly(f3.id(), f4.id());
        assertThat(plan(new RetentionPolicy(3, 5), all, Set.of(), wal, ONE_TIMELINE).kept())
                .containsExactly(f2.id(), f3.id(), f4.id());
        assertThat(plan(new RetentionPolicy(1, 15), all, Set.of(), wal, ONE_TIMELINE).kept())
                .containsExactly(f1.id(), f2.id(), f3.id(), f4.id());
    }

    @Test
    void aPinKeepsTheBackupAndItsChainAndTheWalAfterIt() {
        BackupManifest f1 = full(5, 2);
        BackupManifest i1 = backup(BackupType.INCREMENTAL, 4, 1, 3, f1);
        BackupManifest f2 = full(3, 4);
        BackupManifest f3 = full(1, 6);
        List<BackupManifest> all = List.of(f1, i1, f2, f3);
        RetentionPlan p = plan(new RetentionPolicy(1, null), all, Set.of(i1.id()), segments(1, 1, 7, 0.5),
                ONE_TIMELINE);

        assertThat(p.kept()).containsExactly(f1.id(), i1.id(), f3.id());
        assertThat(p.expired()).containsExactly(f2.id());
        assertThat(p.decisions()).filteredOn(d -> d.id().equals(i1.id())).singleElement()
                .satisfies(d -> assertThat(d.reason()).isEqualTo("pinned"));
        assertThat(names(p.expiredWal())).containsExactly("000000010000000000000001");

        RetentionPlan unknownPin = plan(new RetentionPolicy(1, null), all,
                Set.of(BackupId.parse("20200101T000000F")), segments(1, 1, 7, 0.5), ONE_TIMELINE);
        assertThat(unknownPin.kept()).containsExactly(f3.id());
    }

    @Test
    void windowFollowsTheNewestTimelineNotTheNewestBackup() {
        // timeline 2 branched off timeline 1 at 0/5000000; b2 was taken later on timeline 1 (the old primary),
        // past the branch point, so only b1 can reach points of the window on timeline 2
        BackupManifest b1 = full(10, 2);
        BackupManifest b2 = full(6, 6);
        TimelineHistory h2 = TimelineHistory.parse(TimelineId.of(2), "1\t0/5000000\tno recovery target specified\n");
        TimelineTree tree = TimelineTree.of(List.of(TimelineId.of(1), TimelineId.of(2)), List.of(h2));
        List<ArchivedWal> wal = new ArrayList<>(segments(1, 1, 7, 5.5));
        wal.add(wal("000000010000000000000005.partial", 8));
        wal.add(wal("00000002.history", 8));
        wal.addAll(segments(2, 5, 9, 0.5));
        RetentionPlan p = plan(new RetentionPolicy(null, 3), List.of(b1, b2), Set.of(), wal, tree);

        assertThat(p.kept()).containsExactly(b1.id());
        assertThat(p.expired()).containsExactly(b2.id());
        assertThat(names(p.expiredWal())).containsExactly("000000010000000000000001");
    }

    @Test
    void walCutoffCoversEveryTimelineAndKeepsHistoryFiles() {
        BackupManifest b = backup(BackupType.FULL, 1, 2, 6, null);
        BackupManifest old = full(9, 1);
        TimelineHistory h2 = TimelineHistory.parse(TimelineId.of(2), "1\t0/4000000\tno recovery target specified\n");
        TimelineTree tree = TimelineTree.of(List.of(TimelineId.of(1), TimelineId.of(2)), List.of(h2));
        List<ArchivedWal> wal = new ArrayList<>(segments(1, 1, 4, 5));
        wal.add(wal("000000010000000000000004.partial", 5));
        wal.add(wal("000000010000000000000002.00000028.backup", 8));
        wal.add(wal("00000002.history", 5));
        wal.addAll(segments(2, 4, 7, 0.5));
        RetentionPlan p = plan(new RetentionPolicy(1, null), List.of(old, b), Set.of(), wal, tree);

        assertThat(p.walCutoff()).isEqualTo(Lsn.parse("0/6000028"));
        assertThat(names(p.expiredWal())).containsExactlyInAnyOrder("000000010000000000000001",
                "000000010000000000000002", "000000010000000000000003", "000000010000000000000004",
                "000000010000000000000004.partial", "000000010000000000000002.00000028.backup",
                "000000020000000000000004", "000000020000000000000005");
        assertThat(names(p.expiredWal())).doesNotContain("00000002.history");
    }

    @Test
    void nothingToDoWhenThePolicyKeepsEverything() {
        BackupManifest f1 = full(3, 2);
        BackupManifest f2 = full(1, 4);
        RetentionPlan p = plan(new RetentionPolicy(5, 30), List.of(f1, f2), Set.of(), segments(1, 2, 5, 0.5),
                ONE_TIMELINE);
        assertThat(p.isEmpty()).isTrue();
        assertThat(p.kept()).containsExactly(f1.id(), f2.id());
    }

    @Test
    void nothingIsRemovedWhenNoBackupWouldRemain() {
        // an incremental whose full is gone and no full at all: the count rule keeps nothing
        BackupManifest orphan = backup(BackupType.INCREMENTAL, 2, 1, 3, full(9, 1));
        RetentionPlan p = plan(new RetentionPolicy(1, null), List.of(orphan), Set.of(), segments(1, 1, 4, 0.5),
                ONE_TIMELINE);
        assertThat(p.isEmpty()).isTrue();
        assertThat(p.walCutoff()).isNull();
        assertThat(plan(new RetentionPolicy(1, null), List.of(), Set.of(), segments(1, 1, 4, 0.5), ONE_TIMELINE)
                .isEmpty()).isTrue();
    }

    @Test
    void policyNeedsARuleAndPositiveNumbers() {
        assertThatThrownBy(() -> new RetentionPolicy(null, null)).isInstanceOf(PgVaultException.class)
                .hasMessageContaining("--retain-full N").hasMessageContaining("PGVAULT_RETAIN_DAYS")
                .extracting(e -> ((PgVaultException) e).code()).isEqualTo(ErrorCode.CONFIG);
        assertThatThrownBy(() -> new RetentionPolicy(0, null)).hasMessageContaining("retain-full must be at least 1");
        assertThatThrownBy(() -> new RetentionPolicy(null, 0)).hasMessageContaining("retain-days must be at least 1");
        assertThat(new RetentionPolicy(2, 7).describe()).isEqualTo("2 full backups and 7 days");
    }
}
