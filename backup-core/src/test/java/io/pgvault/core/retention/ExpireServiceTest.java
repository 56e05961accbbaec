package io.pgvault.core.retention;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.pg.Lsn;
import io.pgvault.core.pg.TimelineId;
import io.pgvault.core.pg.WalSegmentSize;
import io.pgvault.core.repo.BackupId;
import io.pgvault.core.repo.BackupType;
import io.pgvault.core.repo.ClusterInfo;
import io.pgvault.core.repo.Repository;
import io.pgvault.core.stream.Codec;
import io.pgvault.core.wal.WalPushService;
import java.nio.file.Files;
import java.nio.file.Path;
import io.pgvault.storage.InMemoryStorage;
import io.pgvault.storage.ObjectInfo;
import io.pgvault.storage.ObjectWriter;
import io.pgvault.storage.WriteMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** ExpireService over the in-memory store: what a dry run leaves alone and what a real run deletes. */
class ExpireServiceTest {

    private static final Instant NOW = Instant.parse("2026-11-21T12:00:00Z");
    private static final long SEG = WalSegmentSize.DEFAULT.bytes();

    private InMemoryStorage storage;
    private Repository repo;
    private BackupManifest b1;
    private BackupManifest b2;
    private BackupManifest b3;

    @BeforeEach
    void fill() {
        storage = new InMemoryStorage();
        repo = new Repository(storage, "main");
        repo.createClusterInfo(new ClusterInfo(ClusterInfo.FORMAT, "main", "1", 150000, SEG, NOW, null));
        b1 = backup(3, 2);
        b2 = backup(2, 4);
        b3 = backup(1, 6);
        for (int s = 1; s <= 7; s++) {
            put(String.format("main/wal/0000000100000000/00000001000000000000000%d.zst", s));
        }
        pushHistory();
        put("main/backups/20261101T000000F/data/b1.zst"); // an interrupted backup: objects, no manifest
    }

    /** A real archived history file: expire reads timeline histories through wal-fetch's checks. */
    private void pushHistory() {
        try {
            Path dir = Files.createTempDirectory("pgvault-expire-test-");
            new WalPushService(repo, Codec.ZSTD, 0).push(Files.writeString(dir.resolve("00000002.history"),
                    "1\t0/8000000\tno recovery target specified\n"));
            Files.delete(dir.resolve("00000002.history"));
            Files.delete(dir);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private BackupManifest backup(int daysAgo, int segment) {
        Instant stop = NOW.minus(Duration.ofDays(daysAgo));
        String wal = String.format("%08X%08X%08X", 1, 0, segment);
        BackupManifest m = new BackupManifest(BackupManifest.FORMAT, BackupId.of(stop.minusSeconds(60),
                BackupType.FULL), BackupType.FULL, null, "main", "1", 150000, SEG, TimelineId.of(1),
                new Lsn(segment * SEG + 0x28), new Lsn(segment * SEG + 0x100), wal, wal, stop.minusSeconds(60), stop,
                "label", null, Codec.ZSTD, 3, null, List.of(), List.of(), 0, 0, "test");
        put(repo.layout().backupObject(m.id(), "data/b1.zst"));
        put(repo.layout().backupObject(m.id(), "data/f2.zst"));
        repo.writeManifest(m);
        return m;
    }

    private void put(String key) {
        try (ObjectWriter w = storage.write(key, WriteMode.OVERWRITE)) {
            w.write(new byte[] {1, 2, 3});
            w.commit();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private Map<String, Long> objects() {
        try (Stream<ObjectInfo> s = storage.list("main/")) {
            return s.filter(i -> !i.key().startsWith("main/locks/"))
                    .collect(Collectors.toMap(ObjectInfo::key, ObjectInfo::size, (a, b) -> a, TreeMap::new));
        }
    }

    private ExpireReport expire(int retainFull, boolean dryRun) {
        return new ExpireService(repo, Clock.fixed(NOW, ZoneOffset.UTC))
                .run(new RetentionPolicy(retainFull, null), dryRun, Duration.ZERO);
    }

    @Test
    void dryRunReportsAndChangesNothing() {
        Map<String, Long> before = objects();
        ExpireReport r = expire(1, true);
        assertThat(r.dryRun()).isTrue();
        assertThat(r.expiredBackups()).containsExactly(b1.id(), b2.id());
        assertThat(r.walFiles()).isEqualTo(5);
        assertThat(r.walBytes()).isEqualTo(15);
        assertThat(r.orphanedPrefixes()).containsExactly("20261101T000000F");
        assertThat(objects()).isEqualTo(before);
    }

    @Test
    void removesExpiredBackupsTheirWalAndOrphanedObjects() {
        ExpireReport r = expire(1, false);
        assertThat(r.keptBackups()).containsExactly(b3.id());
        assertThat(repo.backupIds()).containsExactly(b3.id());
        assertThat(objects().keySet()).containsExactly(
                "main/backups/" + b3.id() + "/data/b1.zst", "main/backups/" + b3.id() + "/data/f2.zst",
                "main/backups/" + b3.id() + "/manifest.json", "main/cluster.json",
                "main/wal/0000000100000000/000000010000000000000006.zst",
                "main/wal/0000000100000000/000000010000000000000007.zst", "main/wal/00000002.history.zst");
        assertThat(storage.stat("main/locks/backup.lock")).as("the lock is released").isEmpty();
        assertThat(expire(1, false).walFiles()).as("a second run finds nothing").isZero();
    }

    @Test
    void pinKeepsABackupAndTheWalFromItsStart() {
        assertThat(repo.pin(b1.id())).isTrue();
        assertThat(repo.pin(b1.id())).as("already pinned").isFalse();
        ExpireReport r = expire(1, false);
        assertThat(r.keptBackups()).containsExactly(b1.id(), b3.id());
        assertThat(r.walCutoff()).isEqualTo(b1.startLsn());
        assertThat(repo.pins()).containsExactly(b1.id());
        assertThat(repo.unpin(b1.id())).isTrue();
        assertThat(repo.unpin(b1.id())).isFalse();
        assertThat(expire(1, false).expiredBackups()).containsExactly(b1.id());
    }
}
