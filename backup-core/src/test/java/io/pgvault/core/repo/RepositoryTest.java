package io.pgvault.core.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.pg.Lsn;
import io.pgvault.core.pg.TimelineId;
import io.pgvault.core.pg.WalFileName;
import io.pgvault.core.stream.Codec;
import io.pgvault.storage.InMemoryStorage;
import io.pgvault.storage.ObjectInfo;
import io.pgvault.storage.ObjectWriter;
import io.pgvault.storage.StorageException;
import io.pgvault.storage.WriteMode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class RepositoryTest {

    private final InMemoryStorage storage = new InMemoryStorage();
    private final Repository repo = new Repository(storage, "main");

    private static ClusterInfo cluster(String sysid) {
        return new ClusterInfo(ClusterInfo.FORMAT, "main", sysid, 150018, 16L * 1024 * 1024,
                Instant.parse("2026-11-20T09:00:00Z"), null);
    }

    private static BackupManifest manifest(String id) {
        return new BackupManifest(BackupManifest.FORMAT, BackupId.parse(id), BackupId.parse(id).type(), null, "main",
                "7312345678901234567", 150018, 16L * 1024 * 1024, TimelineId.of(1), Lsn.parse("0/2000028"),
                Lsn.parse("0/2000138"), "000000010000000000000002", "000000010000000000000002",
                Instant.parse("2026-11-20T10:15:00Z"), Instant.parse("2026-11-20T10:16:00Z"), "label", null,
                Codec.ZSTD, 3, null, List.of(), List.of(), 0, 0, "test");
    }

    private void put(String key, String content) {
        put(key, content.getBytes(StandardCharsets.UTF_8));
    }

    private void put(String key, byte[] content) {
        try (ObjectWriter w = storage.write(key, WriteMode.OVERWRITE)) {
            w.write(content);
            w.commit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<String> keys(String prefix) {
        try (Stream<ObjectInfo> s = storage.list(prefix)) {
            return s.map(ObjectInfo::key).collect(Collectors.toList());
        }
    }

    @Test
    void clusterInfoIsAbsentUntilCreated() {
        assertThat(repo.clusterInfo()).isEmpty();
        assertThatThrownBy(repo::requireClusterInfo)
                .isInstanceOfSatisfying(PgVaultException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND))
                .hasMessageContaining("'main'")
                .hasMessageContaining("pgvault init");
        assertThat(repo.createClusterInfo(cluster("7312345678901234567"))).isTrue();
        assertThat(repo.clusterInfo()).contains(cluster("7312345678901234567"));
        assertThat(repo.requireClusterInfo().pgMajor()).isEqualTo(15);
        assertThat(keys("")).containsExactly("main/cluster.json");
    }

    @Test
    void createClusterInfoNeverReplacesAnExistingBinding() {
        assertThat(repo.createClusterInfo(cluster("111"))).isTrue();
        assertThat(repo.createClusterInfo(cluster("222"))).isFalse();
        assertThat(repo.requireClusterInfo().systemIdentifier()).isEqualTo("111");
    }

    @Test
    void clustersAreSeparate() {
        repo.createClusterInfo(cluster("111"));
        Repository other = new Repository(storage, "main2");
        assertThat(other.clusterInfo()).isEmpty();
        assertThat(new Repository(storage, "mai").clusterInfo()).isEmpty();
    }

    @Test
    void corruptClusterInfoIsDamaged() {
        put("main/cluster.json", "{\"format\": 1, \"cluster\": ");
        assertThatThrownBy(repo::clusterInfo)
                .isInstanceOfSatisfying(PgVaultException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DAMAGED))
                .hasMessageContaining("main/cluster.json");
    }

    @Test
    void invalidClusterNameIsRefused() {
        assertThatThrownBy(() -> new Repository(storage, "../x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void backupsListsOnlyBackupsWithAManifestOldestFirst() {
        repo.writeManifest(manifest("20261121T101500F"));
        repo.writeManifest(manifest("20261120T101500F"));
        repo.writeManifest(manifest("20261122T000000I"));
        // a backup that failed before its manifest: data but no manifest
        put("main/backups/20261123T000000F/data/b1.zst", "partial");
        // things that look like manifests but are not a backup's
        put("main/backups/not-an-id/manifest.json", "{}");
        put("main/backups/20261124T000000F/data/manifest.json", "{}");
        put("main/backups/20261124T000000F/manifest.json.tmp", "{}");
        // another cluster's backup
        new Repository(storage, "main2").writeManifest(manifest("20261119T000000F"));

        assertThat(repo.backupHeaders()).extracting(h -> h.manifest().id().toString())
                .containsExactly("20261120T101500F", "20261121T101500F", "20261122T000000I");
    }

    @Test
    void backupsOfAnEmptyRepositoryIsEmpty() {
        assertThat(repo.backupHeaders()).isEmpty();
    }

    @Test
    void backupReadsOneManifest() {
        repo.writeManifest(manifest("20261121T101500F"));
        assertThat(repo.backup(BackupId.parse("20261121T101500F"))).isEqualTo(manifest("20261121T101500F"));
        assertThat(keys("main/backups/")).containsExactly("main/backups/20261121T101500F/manifest.json");
    }

    @Test
    void missingBackupIsNotFound() {
        assertThatThrownBy(() -> repo.backup(BackupId.parse("20261121T101500F")))
                .isInstanceOfSatisfying(PgVaultException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND))
                .hasMessageContaining("20261121T101500F")
                .hasMessageContaining("pgvault list");
    }

    @Test
    void corruptManifestIsDamagedAndBreaksTheListing() {
        put("main/backups/20261121T101500F/manifest.json", "{\"format\": 1, \"id\": \"2026");
        assertThatThrownBy(repo::backupHeaders)
                .isInstanceOfSatisfying(PgVaultException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DAMAGED))
                .hasMessageContaining("main/backups/20261121T101500F/manifest.json");
    }

    @Test
    void aManifestIsNeverOverwritten() {
        repo.writeManifest(manifest("20261121T101500F"));
        assertThatThrownBy(() -> repo.writeManifest(manifest("20261121T101500F")))
                .isInstanceOf(StorageException.class);
    }

    @Test
    void deleteBackupObjectsRemovesOnlyThatBackup() {
        BackupId doomed = BackupId.parse("20261121T101500F");
        put("main/backups/20261121T101500F/data/b1.zst", "b1");
        put("main/backups/20261121T101500F/data/f1.zst", "f1");
        repo.writeManifest(manifest("20261121T101500F"));
        repo.writeManifest(manifest("20261122T101500F"));
        put("main/backups/20261122T101500F/data/b1.zst", "keep");
        put("main/wal/0000000100000000/000000010000000000000001.zst", "wal");

        repo.deleteBackupObjects(doomed);

        assertThat(keys("main/backups/20261121T101500F/")).isEmpty();
        assertThat(repo.backupHeaders()).extracting(h -> h.manifest().id().toString()).containsExactly("20261122T101500F");
        assertThat(keys("")).containsExactly("main/backups/20261122T101500F/data/b1.zst",
                "main/backups/20261122T101500F/manifest.json",
                "main/wal/0000000100000000/000000010000000000000001.zst");
        repo.deleteBackupObjects(doomed); // idempotent
    }

    @Test
    void deleteBackupObjectsCleansUpAFailedBackupWithoutManifest() {
        put("main/backups/20261121T101500F/data/b1.zst", "b1");
        repo.deleteBackupObjects(BackupId.parse("20261121T101500F"));
        assertThat(keys("")).isEmpty();
    }

    @Test
    void findWalFindsEachCodecByExtension() {
        put("main/wal/0000000100000000/000000010000000000000001.zst", "a");
        put("main/wal/0000000100000000/000000010000000000000002.lz4", "bb");
        put("main/wal/0000000100000000/000000010000000000000003.gz", "ccc");
        put("main/wal/0000000100000000/000000010000000000000004.raw", "dddd");
        String[] names = {"000000010000000000000001", "000000010000000000000002", "000000010000000000000003",
            "000000010000000000000004"};
        Codec[] codecs = {Codec.ZSTD, Codec.LZ4, Codec.GZIP, Codec.NONE};
        for (int i = 0; i < names.length; i++) {
            ArchivedWal w = repo.findWal(WalFileName.parse(names[i])).orElseThrow();
            assertThat(w.name().name()).isEqualTo(names[i]);
            assertThat(w.codec()).isEqualTo(codecs[i]);
            assertThat(w.storedSize()).isEqualTo(i + 1);
            assertThat(w.key()).isEqualTo("main/wal/0000000100000000/" + names[i] + "." + codecs[i].extension());
            assertThat(w.archivedAt()).isNotNull();
        }
    }

    @Test
    void partialAndBackupHistoryAreNotConfusedWithTheSegment() {
        put("main/wal/0000000100000000/000000010000000000000005.partial.zst", "p");
        put("main/wal/0000000100000000/000000010000000000000005.00000028.backup.zst", "b");
        assertThat(repo.findWal(WalFileName.parse("000000010000000000000005"))).isEmpty();
        assertThat(repo.findWal(WalFileName.parse("000000010000000000000005.partial")))
                .map(ArchivedWal::key).contains("main/wal/0000000100000000/000000010000000000000005.partial.zst");
        assertThat(repo.findWal(WalFileName.parse("000000010000000000000005.00000028.backup")))
                .map(ArchivedWal::key)
                .contains("main/wal/0000000100000000/000000010000000000000005.00000028.backup.zst");

        put("main/wal/0000000100000000/000000010000000000000005.lz4", "s");
        assertThat(repo.findWal(WalFileName.parse("000000010000000000000005")))
                .map(ArchivedWal::key).contains("main/wal/0000000100000000/000000010000000000000005.lz4");
        assertThat(repo.findWal(WalFileName.parse("000000010000000000000005.partial")))
                .map(ArchivedWal::codec).contains(Codec.ZSTD);
    }

    @Test
    void findWalIgnoresNeighboursAndOtherTimelines() {
        put("main/wal/0000000100000000/000000010000000000000050.zst", "x");
        put("main/wal/0000000200000000/000000020000000000000005.zst", "x");
        put("main2/wal/0000000100000000/000000010000000000000005.zst", "x");
        assertThat(repo.findWal(WalFileName.parse("000000010000000000000005"))).isEmpty();
        assertThat(repo.findWal(WalFileName.parse("000000020000000000000005"))).isPresent();
    }

    @Test
    void findWalFindsHistoryFiles() {
        put("main/wal/00000002.history.gz", "h");
        assertThat(repo.findWal(WalFileName.parse("00000002.history")))
                .map(ArchivedWal::codec).contains(Codec.GZIP);
        assertThat(repo.findWal(WalFileName.parse("00000003.history"))).isEmpty();
    }

    @Test
    void unknownObjectsUnderWalAreIgnored() {
        put("main/wal/0000000100000000/000000010000000000000001.zst", "a");
        put("main/wal/0000000100000000/000000010000000000000001.bz2", "a");
        put("main/wal/0000000100000000/000000010000000000000001.zst.tmp", "a");
        put("main/wal/0000000100000000/README", "a");
        put("main/wal/0000000100000000/notes.txt", "a");
        put("main/wal/00000002.history.zst", "h");
        assertThat(repo.walFiles()).extracting(ArchivedWal::key).containsExactly(
                "main/wal/0000000100000000/000000010000000000000001.zst", "main/wal/00000002.history.zst");
        assertThat(repo.findWal(WalFileName.parse("000000010000000000000001")))
                .map(ArchivedWal::codec).contains(Codec.ZSTD);
    }

    @Test
    void openBackupObjectReadsARange() throws IOException {
        BackupId id = BackupId.parse("20261121T101500F");
        put("main/backups/20261121T101500F/data/b1.zst", "0123456789");
        try (InputStream in = repo.openBackupObject(id, "data/b1.zst", 3, 4)) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("3456");
        }
        assertThatThrownBy(() -> repo.openBackupObject(id, "data/b2.zst", 0, 1))
                .isInstanceOfSatisfying(PgVaultException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DAMAGED))
                .hasMessageContaining("main/backups/20261121T101500F/data/b2.zst");
    }

    @Test
    void translateMapsStorageReasons() {
        assertThat(Repository.translate(new StorageException(StorageException.Reason.NOT_FOUND, "gone")).code())
                .isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(Repository.translate(new StorageException(StorageException.Reason.CONFIGURATION, "bad")).code())
                .isEqualTo(ErrorCode.CONFIG);
        for (StorageException.Reason r : List.of(StorageException.Reason.ACCESS_DENIED,
                StorageException.Reason.UNAVAILABLE, StorageException.Reason.IO, StorageException.Reason.ALREADY_EXISTS)) {
            PgVaultException e = Repository.translate(new StorageException(r, "msg " + r));
            assertThat(e.code()).isEqualTo(ErrorCode.STORAGE);
            assertThat(e).hasMessage("msg " + r);
        }
    }
}
