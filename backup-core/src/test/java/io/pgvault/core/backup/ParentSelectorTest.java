package io.pgvault.core.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.pg.Lsn;
import io.pgvault.core.pg.TimelineId;
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
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which parent an incremental or differential backup builds on, and when it falls back to a full backup. */
class ParentSelectorTest {

    private static final String SYSID = "7312345678901234567";
    private static final ClusterInfo CLUSTER = new ClusterInfo(ClusterInfo.FORMAT, "main", SYSID, 150018,
            16L * 1024 * 1024, Instant.parse("2026-11-20T09:00:00Z"), null);

    @TempDir
    Path dir;

    private final Repository repository = new Repository(new InMemoryStorage(), "main");
    private final List<String> told = new ArrayList<>();
    private final ParentSelector selector = new ParentSelector(repository, told::add);

    private BackupManifest store(String id, String parent, long timeline, String stopLsn, String sysid) {
        BackupId backupId = BackupId.parse(id);
        BackupManifest m = new BackupManifest(BackupManifest.FORMAT, backupId, backupId.type(),
                parent == null ? null : BackupId.parse(parent), "main", sysid, 150018, 16L * 1024 * 1024,
                TimelineId.of(timeline), Lsn.parse("0/2000028"), Lsn.parse(stopLsn), "000000010000000000000002",
                "000000010000000000000003", Instant.parse("2026-11-20T10:15:00Z"),
                Instant.parse("2026-11-20T10:16:00Z"), "label", null, Codec.ZSTD, 3, null, List.of(), List.of(), 0,
                0, "0.1.0");
        repository.writeManifest(m);
        return m;
    }

    private void archiveHistory(long timeline, String content) throws IOException {
        Path file = dir.resolve(String.format("%08X.history", timeline));
        Files.writeString(file, content);
        new WalPushService(repository, Codec.ZSTD, 0).push(file);
    }

    private Optional<BackupId> choose(BackupType type, long serverTimeline) {
        return selector.choose(type, CLUSTER, 150018, TimelineId.of(serverTimeline)).map(BackupManifest::id);
    }

    @Test
    void fullWithNothingToBuildOnAndSaysSo() {
        repository.createClusterInfo(CLUSTER);
        assertThat(choose(BackupType.INCREMENTAL, 1)).isEmpty();
        assertThat(told).containsExactly("no backup to build on yet: taking a full backup instead");
        assertThat(choose(BackupType.FULL, 1)).isEmpty();
        assertThat(told).hasSize(1);
    }

    @Test
    void incrementalTakesTheNewestBackupAndDifferentialTheNewestFull() {
        repository.createClusterInfo(CLUSTER);
        store("20261120T101500F", null, 1, "0/3000000", SYSID);
        store("20261120T111500I", "20261120T101500F", 1, "0/4000000", SYSID);
        assertThat(choose(BackupType.INCREMENTAL, 1)).contains(BackupId.parse("20261120T111500I"));
        assertThat(choose(BackupType.DIFFERENTIAL, 1)).contains(BackupId.parse("20261120T101500F"));
        assertThat(told).isEmpty();
    }

    @Test
    void aParentOfAnotherClusterOrWithAMissingAncestorIsNotUsed() {
        repository.createClusterInfo(CLUSTER);
        store("20261120T101500F", null, 1, "0/3000000", "1111");
        assertThat(choose(BackupType.DIFFERENTIAL, 1)).isEmpty();
        assertThat(told.get(0)).contains("belongs to another cluster").endsWith("taking a full backup instead");
        store("20261120T121500I", "20261120T111500F", 1, "0/4000000", SYSID);
        assertThat(choose(BackupType.INCREMENTAL, 1)).isEmpty();
        assertThat(told.get(1)).contains("the chain of 20261120T121500I is broken")
                .contains("needs its parent backup 20261120T111500F");
    }

    @Test
    void anotherTimelineKeepsTheParentOnlyWhenItEndedBeforeTheSwitch() throws IOException {
        repository.createClusterInfo(CLUSTER);
        store("20261120T101500F", null, 1, "0/3000000", SYSID);
        // no history of timeline 2 archived: ancestry cannot be shown
        assertThat(choose(BackupType.INCREMENTAL, 2)).isEmpty();
        assertThat(told.get(0)).contains("is not an ancestor of timeline 2");

        archiveHistory(2, "1\t0/5000000\tno recovery target specified\n");
        assertThat(choose(BackupType.INCREMENTAL, 2)).contains(BackupId.parse("20261120T101500F"));

        archiveHistory(3, "1\t0/5000000\tno recovery target specified\n2\t0/6000000\tbefore 2026-11-20\n");
        store("20261120T111500I", "20261120T101500F", 2, "0/7000000", SYSID);
        // the incremental on timeline 2 ended at 0/7000000, after timeline 3 left timeline 2 at 0/6000000
        assertThat(choose(BackupType.INCREMENTAL, 3)).isEmpty();
        assertThat(told.get(1)).contains("20261120T111500I (timeline 2, ends at 0/7000000) is not an ancestor of"
                + " timeline 3, which left it at 0/6000000");
        // the full backup on timeline 1 ended before timeline 2 branched: a differential may use it
        assertThat(choose(BackupType.DIFFERENTIAL, 3)).contains(BackupId.parse("20261120T101500F"));
    }
}
