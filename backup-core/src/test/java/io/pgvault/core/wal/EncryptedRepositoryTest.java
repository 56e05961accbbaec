package io.pgvault.core.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.crypt.KeyCheck;
import io.pgvault.core.crypt.MasterKey;
import io.pgvault.core.crypt.Passphrase;
import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.manifest.Chunk;
import io.pgvault.core.manifest.EntryKind;
import io.pgvault.core.manifest.FileEntry;
import io.pgvault.core.pg.Lsn;
import io.pgvault.core.pg.TimelineId;
import io.pgvault.core.relation.AppName;
import io.pgvault.core.relation.CredentialsFormat;
import io.pgvault.core.relation.Relation;
import io.pgvault.core.relation.RelationStore;
import io.pgvault.core.relation.Sink;
import io.pgvault.core.repo.BackupId;
import io.pgvault.core.repo.BackupObjectReader;
import io.pgvault.core.repo.ClusterInfo;
import io.pgvault.core.repo.PassphraseService;
import io.pgvault.core.repo.Repository;
import io.pgvault.core.stream.Codec;
import io.pgvault.core.stream.CountingOutputStream;
import io.pgvault.core.stream.FrameCodec;
import io.pgvault.core.stream.NonClosingOutputStream;
import io.pgvault.core.stream.Sha256;
import io.pgvault.storage.InMemoryStorage;
import io.pgvault.storage.ObjectInfo;
import io.pgvault.storage.ObjectWriter;
import io.pgvault.storage.WriteMode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An encrypted repository end to end below the CLI: backups, WAL, relations, key errors and passphrase change. */
class EncryptedRepositoryTest {

    private static final long SYSID = 7_312_345_678_901_234_567L;
    private static final String SEG1 = "000000010000000000000001";
    private static final Passphrase PASS = Passphrase.of("tr0ub4dor&3");
    private static final int FAST = 10_000;
    private static final String LABEL = "START WAL LOCATION: 0/2000028 (file 000000010000000000000002)";

    @TempDir
    Path dir;

    private final InMemoryStorage storage = new InMemoryStorage();

    @BeforeEach
    void initEncryptedCluster() {
        ClusterInfo info = new ClusterInfo(ClusterInfo.FORMAT, "main", Long.toUnsignedString(SYSID), 150018,
                1024 * 1024, Instant.parse("2026-11-20T09:00:00Z"), KeyCheck.seal(MasterKey.generate(), PASS, FAST));
        assertThat(new Repository(storage, "main").createClusterInfo(info)).isTrue();
    }

    private Repository open(Passphrase passphrase) {
        return new Repository(storage, "main", passphrase);
    }

    private static void assertCode(Throwable e, ErrorCode code) {
        assertThat(e).isInstanceOf(PgVaultException.class);
        assertThat(((PgVaultException) e).code()).isEqualTo(code);
    }

    /** Writes one bundle object of two files through the backup's frames and its manifest; returns the manifest. */
    private BackupManifest backup(Repository repo, Map<String, byte[]> files) throws IOException {
        BackupId id = BackupId.parse("20261121T101500F");
        FrameCodec frames = repo.newBackupFrames(Codec.ZSTD, 3);
        List<FileEntry> entries = new ArrayList<>();
        try (ObjectWriter w = storage.write(repo.layout().backupObject(id, "data/b1.zst"), WriteMode.CREATE_NEW)) {
            CountingOutputStream out = new CountingOutputStream(w);
            for (var f : files.entrySet()) {
                long start = out.count();
                try (OutputStream frame = frames.writer(new NonClosingOutputStream(out), f.getKey())) {
                    frame.write(f.getValue());
                }
                entries.add(new FileEntry(f.getKey(), EntryKind.FILE, f.getValue().length, 0600, 0,
                        Sha256.of(f.getValue()), null,
                        List.of(new Chunk("data/b1.zst", start, out.count() - start, 0, f.getValue().length))));
            }
            w.commit();
        }
        BackupManifest m = new BackupManifest(BackupManifest.FORMAT, id, id.type(), null, "main",
                Long.toUnsignedString(SYSID), 150018, 1024 * 1024, TimelineId.of(1), Lsn.parse("0/2000028"),
                Lsn.parse("0/2000138"), "000000010000000000000002", "000000010000000000000002",
                Instant.parse("2026-11-20T10:15:00Z"), Instant.parse("2026-11-20T10:16:00Z"), LABEL, null,
                Codec.ZSTD, 3, io.pgvault.core.crypt.DataKey.ALGORITHM, List.of(), entries, 0, 0, "test");
        repo.writeManifest(m, frames);
        return m;
    }

    private Map<String, byte[]> restore(Repository repo, BackupId id) throws IOException {
        BackupManifest m = repo.backup(id);
        Map<String, byte[]> out = new TreeMap<>();
        BackupObjectReader reader = new BackupObjectReader(repo, m);
        for (List<FileEntry> group : reader.groupsByObject()) {
            reader.read(group, (f, in) -> out.put(f.path(), in.readAllBytes()));
        }
        return out;
    }

    private Map<String, byte[]> snapshot() throws IOException {
        Map<String, byte[]> all = new TreeMap<>();
        List<String> keys;
        try (Stream<ObjectInfo> s = storage.list("")) {
            keys = s.map(ObjectInfo::key).collect(Collectors.toList());
        }
        for (String k : keys) {
            try (InputStream in = storage.read(k)) {
                all.put(k, in.readAllBytes());
            }
        }
        return all;
    }

    private Path walFile(String name, long seed) throws IOException {
        Path p = dir.resolve("pg_wal").resolve(name);
        Files.createDirectories(p.getParent());
        return Files.write(p, WalPushFetchTest.segment(SYSID, seed));
    }

    private static Map<String, byte[]> files() {
        Map<String, byte[]> files = new TreeMap<>();
        files.put("PG_VERSION", "15\n".getBytes(StandardCharsets.UTF_8));
        files.put("base/5/16384", "secret-row-marker ".repeat(5000).getBytes(StandardCharsets.UTF_8));
        files.put("global/empty", new byte[0]);
        return files;
    }

    @Test
    void backupRoundTripsAndNothingStoredIsPlaintext() throws IOException {
        Repository repo = open(PASS);
        BackupManifest written = backup(repo, files());
        Relation relation = Relation.request(AppName.of("billing"), "shop", null, List.of(), List.of(), false,
                new Sink("/etc/billing/db.json", CredentialsFormat.JSON, "reload-marker"), Instant.now());
        RelationStore.of(repo).save(relation);

        Repository reopened = open(PASS);
        assertThat(reopened.backupHeaders()).extracting(h -> h.manifest().backupLabel()).containsExactly(LABEL);
        assertThat(restore(reopened, written.id())).containsOnlyKeys(files().keySet())
                .allSatisfy((path, content) -> assertThat(content).isEqualTo(files().get(path)));
        assertThat(RelationStore.of(reopened).require(AppName.of("billing"))).isEqualTo(relation);

        for (var e : snapshot().entrySet()) {
            String text = new String(e.getValue(), StandardCharsets.ISO_8859_1);
            if (e.getKey().endsWith("cluster.json")) {
                assertThat(text).contains("\"keyCheck\"", "PBKDF2WithHmacSHA256");
                continue;
            }
            assertThat(text).as(e.getKey()).doesNotContain("secret-row-marker", "START WAL LOCATION", "PG_VERSION",
                    "base/5/16384", "reload-marker", "/etc/billing", Sha256.of(files().get("base/5/16384")));
        }
    }

    @Test
    void walPushFetchCompareWithoutPlaintextDigest() throws IOException {
        Repository repo = open(PASS);
        Path file = walFile(SEG1, 1);
        assertThat(new WalPushService(repo, Codec.LZ4, 0).push(file)).isEqualTo(WalPushResult.ARCHIVED);
        assertThat(new WalPushService(open(PASS), Codec.ZSTD, 0).push(file))
                .isEqualTo(WalPushResult.ALREADY_ARCHIVED);

        byte[] stored = snapshot().entrySet().stream().filter(e -> e.getKey().contains("/wal/")).findFirst()
                .orElseThrow().getValue();
        String sha = Sha256.of(Files.readAllBytes(file));
        assertThat(HexFormat.of().formatHex(stored)).doesNotContain(sha);
        assertThat(new String(stored, StandardCharsets.ISO_8859_1)).doesNotContain("PGVWAL\0\1".substring(0, 0)
                + new String(java.util.Arrays.copyOfRange(Files.readAllBytes(file), 8192, 8292),
                StandardCharsets.ISO_8859_1));

        Path dest = dir.resolve("restored");
        new WalFetchService(open(PASS)).fetch(SEG1, dest);
        assertThat(Files.readAllBytes(dest)).isEqualTo(Files.readAllBytes(file));

        Path other = walFile("x/" + SEG1, 2);
        assertThatThrownBy(() -> new WalPushService(open(PASS), Codec.LZ4, 0).push(other))
                .satisfies(e -> assertCode(e, ErrorCode.WAL_CONFLICT));
    }

    @Test
    void flippedByteIsDamagedNamingTheObject() throws IOException {
        Repository repo = open(PASS);
        BackupManifest m = backup(repo, files());
        String object = repo.layout().backupObject(m.id(), "data/b1.zst");
        byte[] data = snapshot().get(object);
        data[data.length / 2] ^= 0x10;
        try (ObjectWriter w = storage.write(object, WriteMode.OVERWRITE)) {
            w.write(data);
            w.commit();
        }
        assertThatThrownBy(() -> restore(open(PASS), m.id()))
                .satisfies(e -> assertCode(e, ErrorCode.DAMAGED)).hasMessageContaining(object);
        assertThat(ErrorCode.DAMAGED.exitCode()).isEqualTo(9);

        new WalPushService(repo, Codec.ZSTD, 0).push(walFile(SEG1, 3));
        String wal = snapshot().keySet().stream().filter(k -> k.contains("/wal/")).findFirst().orElseThrow();
        byte[] w = snapshot().get(wal);
        w[w.length - 20] ^= 0x01;
        try (ObjectWriter out = storage.write(wal, WriteMode.OVERWRITE)) {
            out.write(w);
            out.commit();
        }
        assertThatThrownBy(() -> new WalFetchService(open(PASS)).fetch(SEG1, dir.resolve("f")))
                .satisfies(e -> assertCode(e, ErrorCode.DAMAGED)).hasMessageContaining(wal);
        assertThat(dir.resolve("f")).doesNotExist();
    }

    @Test
    void wrongOrMissingPassphraseIsKeyErrorAtOnce() throws IOException {
        backup(open(PASS), files());
        assertThatThrownBy(() -> open(Passphrase.of("wrong")).backupHeaders())
                .satisfies(e -> assertCode(e, ErrorCode.KEY)).hasMessageContaining("wrong");
        assertThatThrownBy(() -> new Repository(storage, "main").backupHeaders())
                .satisfies(e -> assertCode(e, ErrorCode.KEY)).hasMessageContaining("PGVAULT_PASSPHRASE");
        assertThatThrownBy(() -> new WalFetchService(open(Passphrase.of("wrong"))).fetch(SEG1, dir.resolve("w")))
                .satisfies(e -> assertCode(e, ErrorCode.KEY));

        InMemoryStorage plain = new InMemoryStorage();
        new Repository(plain, "main").createClusterInfo(new ClusterInfo(ClusterInfo.FORMAT, "main", "1", 150018,
                1024 * 1024, Instant.now(), null));
        assertThatThrownBy(() -> new Repository(plain, "main", PASS).backupHeaders())
                .satisfies(e -> assertCode(e, ErrorCode.KEY)).hasMessageContaining("not encrypted");
    }

    @Test
    void passphraseChangeRewrapsOnlyTheKeyCheck() throws IOException {
        Repository repo = open(PASS);
        BackupManifest m = backup(repo, files());
        new WalPushService(repo, Codec.ZSTD, 0).push(walFile(SEG1, 4));
        Map<String, byte[]> before = snapshot();

        Passphrase next = Passphrase.of("new passphrase 2026");
        new PassphraseService(open(PASS), FAST).change(next);

        Map<String, byte[]> after = snapshot();
        assertThat(after.keySet()).isEqualTo(before.keySet()); // the .previous copy is gone again
        for (String k : before.keySet()) {
            if (!k.endsWith("cluster.json")) {
                assertThat(after.get(k)).as(k).isEqualTo(before.get(k));
            }
        }
        assertThat(after.get("main/cluster.json")).isNotEqualTo(before.get("main/cluster.json"));
        assertThatThrownBy(() -> open(PASS).backupHeaders()).satisfies(e -> assertCode(e, ErrorCode.KEY));
        assertThat(restore(open(next), m.id())).containsOnlyKeys(files().keySet());
        new WalFetchService(open(next)).fetch(SEG1, dir.resolve("after-change"));
        assertThat(dir.resolve("after-change")).exists();

        assertThatThrownBy(() -> new PassphraseService(open(PASS), FAST).change(Passphrase.of("x")))
                .satisfies(e -> assertCode(e, ErrorCode.KEY));
    }
}
