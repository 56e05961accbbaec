package io.pgvault.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgvault.core.pg.PgCtl;
import io.pgvault.core.testing.PgTestCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Every refusal of the foundation, against real servers: each asserts the exit code, the message, and that nothing
 * was written.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RefusalsIT {

    private Path work;
    private RepoTarget repo;
    private Launcher launcher;
    private PgTestCluster primary;
    private PgTestCluster other;
    private OffsetDateTime firstBackupStart;

    @BeforeAll
    void prepare() throws Exception {
        work = PgTestCluster.workDirectory("pgvault-refusals-");
        repo = RepoTarget.filesystem(work);
        launcher = Launcher.get();
        primary = PgTestCluster.start(work, "primary", "archive_mode = on\narchive_command = '" + launcher.bin() + " "
                + repo.archiveArgs("main") + " wal-push %p'\n", Map.of());
        other = PgTestCluster.start(work, "other", "archive_mode = off\n", Map.of());
        ok("--pg-port", port(primary), "init");
        firstBackupStart = OffsetDateTime.now(ZoneOffset.UTC);
        ok("--pg-port", port(primary), "--pgdata", primary.pgdata().toString(), "backup");
        primary.execute("CREATE TABLE t (x int)", "INSERT INTO t VALUES (1)");
        primary.switchAndAwaitArchived(Duration.ofSeconds(60));
    }

    @AfterAll
    void cleanUp() throws IOException {
        if (primary != null) {
            primary.stopImmediately();
        }
        if (other != null) {
            other.stopImmediately();
        }
        SuiteOutput.keepLogs(work);
        PgTestCluster.deleteTree(work);
    }

    private static String port(PgTestCluster c) {
        return Integer.toString(c.port());
    }

    private PgCtl.Result run(String cluster, String... args) {
        List<String> all = new ArrayList<>(repo.args(cluster));
        all.addAll(List.of(args));
        return launcher.run(Map.of(), all.toArray(String[]::new));
    }

    private String ok(String... args) {
        PgCtl.Result r = run("main", args);
        assertThat(r.exitCode()).as(r.output()).isZero();
        return r.output();
    }

    private static List<String> tree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.map(p -> dir.relativize(p) + ":" + (Files.isRegularFile(p) ? p.toFile().length() : -1)).sorted()
                    .toList();
        }
    }

    private void assertOneLine(PgCtl.Result r, int exit, String fragment) {
        assertThat(r.exitCode()).as(r.output()).isEqualTo(exit);
        assertThat(r.output().strip()).contains(fragment).doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(r.output().strip().lines().count()).as(r.output()).isEqualTo(1);
    }

    @Test
    void connectsThroughTheUnixSocketDirectoryAsLibpqDoes() {
        // the socket lives in the cluster's work directory (unix_socket_directories); pg_hba's local line applies
        String out = ok("--pg-host", primary.base().toString(), "--pg-port", port(primary), "init");
        assertThat(out).contains("was already initialized");
    }

    @Test
    void restoreRefusesNonEmptyDirectory() throws IOException {
        Path dir = work.resolve("not-empty");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("precious.txt"), "keep me");
        PgTestCluster.chownToPostgres(dir);
        List<String> before = tree(dir);
        assertOneLine(run("main", "--pgdata", dir.toString(), "restore"), 4, "is not empty");
        assertThat(tree(dir)).isEqualTo(before);
    }

    @Test
    void restoreRefusesRunningServer() throws IOException {
        List<String> before = tree(primary.pgdata().resolve("global"));
        assertOneLine(run("main", "--pgdata", primary.pgdata().toString(), "restore"), 4, "is running");
        assertThat(tree(primary.pgdata().resolve("global"))).isEqualTo(before);
    }

    @Test
    void restoreRefusesTargetBeforeFirstBackup() {
        Path dir = work.resolve("too-early");
        String before = firstBackupStart.minusHours(1).toString();
        assertOneLine(run("main", "--pgdata", dir.toString(), "restore", "--target-time", before), 4,
                "before the recoverable window");
        assertThat(dir).doesNotExist();
    }

    @Test
    void restoreRefusesTargetAfterEndOfArchive() {
        Path dir = work.resolve("too-late");
        String after = OffsetDateTime.now(ZoneOffset.UTC).plusHours(1).toString();
        assertOneLine(run("main", "--pgdata", dir.toString(), "restore", "--target-time", after), 4,
                "after the end of the archive");
        assertThat(dir).doesNotExist();
    }

    @Test
    void restoreRefusesTimeWithoutZone() {
        Path dir = work.resolve("no-zone");
        assertOneLine(run("main", "--pgdata", dir.toString(), "restore", "--target-time", "2026-11-20 10:15:00"), 2,
                "has no time zone");
        assertThat(dir).doesNotExist();
    }

    @Test
    void restoreRefusesUnknownBackup() {
        Path dir = work.resolve("unknown-backup");
        assertOneLine(run("main", "--pgdata", dir.toString(), "restore", "--backup", "20200101T000000F"), 5,
                "backup 20200101T000000F does not exist");
        assertThat(dir).doesNotExist();
    }

    @Test
    void initRefusesAnotherClustersRepository() throws IOException {
        Path info = Path.of(repo.url().substring("file://".length()), "main", "cluster.json");
        String before = Files.readString(info);
        assertOneLine(run("main", "--pg-port", port(other), "init"), 12, "belongs to system");
        assertThat(Files.readString(info)).isEqualTo(before);
    }

    @Test
    void backupRefusesServerWithoutArchiving() {
        PgCtl.Result init = run("noarchive", "--pg-port", port(other), "init");
        assertThat(init.exitCode()).as(init.output()).isZero();
        assertOneLine(run("noarchive", "--pg-port", port(other), "--pgdata", other.pgdata().toString(), "backup"), 4,
                "archive_mode is off");
        assertThat(run("noarchive", "list").output()).contains("no backups yet");
    }

    @Test
    void walPushRefusesOtherClustersWal() throws IOException {
        Path segment = other.pgdata().resolve("pg_wal/000000010000000000000001");
        assertThat(segment).exists();
        long before = walObjects();
        assertOneLine(run("main", "wal-push", segment.toString()), 12, "comes from system");
        assertThat(walObjects()).isEqualTo(before);
    }

    @Test
    void walPushSameContentSucceedsDifferentContentConflicts() throws Exception {
        Path dir = work.resolve("pushes");
        Files.createDirectories(dir);
        PgTestCluster.chownToPostgres(dir);
        String name = "000000010000000000000002";
        Path fetched = dir.resolve(name);
        assertThat(run("main", "wal-fetch", name, fetched.toString()).exitCode()).isZero();
        Path object = Path.of(repo.url().substring("file://".length()), "main", "wal", name.substring(0, 16),
                name + ".zst");
        byte[] archived = Files.readAllBytes(object);

        assertThat(run("main", "wal-push", fetched.toString()).exitCode()).isZero();
        byte[] changed = Files.readAllBytes(fetched);
        changed[changed.length / 2] ^= 0x5a;
        Files.write(fetched, changed);
        assertOneLine(run("main", "wal-push", fetched.toString()), 8, "already archived with different content");
        assertThat(Files.readAllBytes(object)).isEqualTo(archived);
    }

    @Test
    void walFetchOfMissingFileExitsOneQuietly() throws IOException {
        Path dest = work.resolve("never-written");
        PgCtl.Result r = run("main", "wal-fetch", "0000000100000000000000FF", dest.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.output()).isEmpty();
        assertThat(dest).doesNotExist();
        PgCtl.Result history = run("main", "wal-fetch", "00000009.history", dest.toString());
        assertThat(history.exitCode()).isEqualTo(1);
    }

    @Test
    void walFetchRefusesHostileNames() {
        Path dest = work.resolve("hostile");
        assertOneLine(run("main", "wal-fetch", "../../../etc/passwd", dest.toString()), 2, "not a WAL file name");
        assertThat(dest).doesNotExist();
    }

    private long walObjects() throws IOException {
        try (Stream<Path> s = Files.walk(Path.of(repo.url().substring("file://".length()), "main", "wal"))) {
            return s.filter(Files::isRegularFile).count();
        }
    }
}
