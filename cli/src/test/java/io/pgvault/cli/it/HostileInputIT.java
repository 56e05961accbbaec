package io.pgvault.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgvault.core.pg.PgCtl;
import io.pgvault.core.stream.Sha256;
import io.pgvault.core.testing.PgTestCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * Hostile input, table-driven: each row sets something up (and undoes it), runs one pgvault command and expects a
 * documented exit code and one line naming the problem, no stack trace (unless --debug), and no change to the
 * repository or to a restored data directory (every file's path, size and SHA-256, before and after). RefusalsIT
 * covers the refusals of the foundation; the rows here are other inputs.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileInputIT {

    /** Prepares a row's situation; returns what puts things back afterwards. */
    @FunctionalInterface
    interface Setup {
        AutoCloseable apply() throws Exception;
    }

    /**
     * One row.
     *
     * @param name  what is hostile
     * @param setup prepares the situation (and undoes it)
     * @param env   extra environment
     * @param args  pgvault arguments after the repository and cluster ({@code $} stands for the work directory)
     * @param exit  documented exit code
     * @param words the one line must contain these
     */
    record Case(String name, Setup setup, Map<String, String> env, List<String> args, int exit, String words) {
        static Case of(String name, int exit, String words, String... args) {
            return new Case(name, NOTHING, Map.of(), List.of(args), exit, words);
        }

        Case with(Setup s) {
            return new Case(name, s, env, args, exit, words);
        }

        Case withEnv(Map<String, String> e) {
            return new Case(name, setup, e, args, exit, words);
        }
    }

    private static final Setup NOTHING = () -> () -> { };
    private static final String INJECTION = "x'; DROP TABLE t; --";

    private Path work;
    private Path repoRoot;
    private RepoTarget repo;
    private Launcher launcher;
    private PgTestCluster primary;
    private Path restored;
    private String backupId;

    @BeforeAll
    void prepare() throws Exception {
        work = PgTestCluster.workDirectory("pgvault-hostile-");
        repo = RepoTarget.filesystem(work);
        repoRoot = Path.of(repo.url().substring("file://".length()));
        launcher = Launcher.get();
        primary = PgTestCluster.start(work, "primary", "archive_mode = on\narchive_command = '" + launcher.bin() + " "
                + repo.archiveArgs("main") + " wal-push %p'\n", Map.of());
        ok("--pg-port", port(), "init");
        primary.execute("CREATE TABLE t (x int)", "INSERT INTO t VALUES (1)");
        ok("--pg-port", port(), "--pgdata", primary.pgdata().toString(), "backup");
        primary.switchAndAwaitArchived(Duration.ofSeconds(60));
        backupId = only(repoRoot.resolve("main/backups"));
        restored = work.resolve("restored");
        ok("--pgdata", restored.toString(), "restore", "--target", "immediate");
        // an encrypted cluster beside it, for the wrong-key rows
        PgCtl.Result enc = launcher.run(Map.of("PGVAULT_PASSPHRASE", "right horse battery staple"), "--repo",
                repo.url(), "--cluster", "enc", "--pg-port", port(), "init", "--encrypt");
        assertThat(enc.exitCode()).as(enc.output()).isZero();
        Files.writeString(work.resolve("malformed.yaml"), "repo: [unclosed\n");
        Files.writeString(work.resolve("unknown-key.yaml"), "cluster: main\nfrobnicate: 3\n");
        Files.writeString(work.resolve("bad-value.yaml"), "jobs: lots\n");
        Files.writeString(work.resolve("not-a-map.yaml"), "- just\n- a list\n");
        Files.writeString(work.resolve("passwd"), "root:x:0:0::/root:/bin/sh\n");
        for (String f : List.of("malformed.yaml", "unknown-key.yaml", "bad-value.yaml", "not-a-map.yaml", "passwd")) {
            PgTestCluster.chownToPostgres(work.resolve(f));
        }
    }

    @AfterAll
    void cleanUp() throws IOException {
        if (primary != null) {
            primary.stopImmediately();
        }
        SuiteOutput.keepLogs(work);
        PgTestCluster.deleteTree(work);
    }

    List<Case> table() {
        String d = restored.toString();
        return List.of(
                // configuration
                Case.of("malformed YAML config", 3, "not valid YAML", "--config", "$/malformed.yaml", "list"),
                Case.of("unknown key in the config", 3, "unknown key 'frobnicate'", "--config", "$/unknown-key.yaml",
                        "list"),
                Case.of("bad value in the config", 3, "'lots' is not an int (from key 'jobs'", "--config",
                        "$/bad-value.yaml", "list"),
                Case.of("config that is not a map", 3, "not-a-map.yaml", "--config", "$/not-a-map.yaml", "list"),
                Case.of("config file that does not exist", 3, "does not exist", "--config", "$/absent.yaml", "list"),
                Case.of("bad value from the environment", 3, "PGVAULT_JOBS", "list")
                        .withEnv(Map.of("PGVAULT_JOBS", "many")),
                Case.of("unknown flag", 2, "Unknown option: '--frobnicate'", "--frobnicate", "list"),
                Case.of("unknown compression", 2, "rar", "--compress", "rar", "--pg-port", port(), "--pgdata",
                        primary.pgdata().toString(), "backup"),
                Case.of("zero jobs", 2, "--jobs", "--jobs", "0", "--pgdata", "$/t0", "restore"),
                Case.of("port out of range", 3, "pg-port 99999 is out of range", "--pg-port", "99999", "--pgdata", primary.pgdata().toString(),
                        "backup"),
                // repository URLs and names
                Case.of("unsupported URL scheme", 3, "unsupported repository URL scheme 'ftp'", "--repo",
                        "ftp://host/x", "list"),
                Case.of("S3 URL without a bucket", 3, "malformed repository URL 's3://'", "--repo", "s3://", "list"),
                Case.of("URL without a scheme", 3, "has no scheme", "--repo", "relative/path", "list"),
                Case.of("repository that does not exist", 5, "not initialized", "--repo", "file://$/absent-repo",
                        "list"),
                Case.of("cluster name with path traversal", 3, "invalid cluster name '../main'", "--cluster",
                        "../main", "list"),
                // cron
                Case.of("cron expression that is not one", 3, "bogus", "--pgdata", d, "agent", "--schedule-full",
                        "bogus"),
                Case.of("five-field Unix cron (Quartz has seconds first)", 3, "0 1 * * *", "--pgdata", d, "agent",
                        "--schedule-full", "0 1 * * *"),
                // targets
                Case.of("target time that is no time", 2, "yesterday", "--pgdata", "$/t1", "restore",
                        "--target-time", "yesterday"),
                Case.of("target date without a time or zone", 2, "2026-11-20", "--pgdata", "$/t2", "restore",
                        "--target-time", "2026-11-20"),
                Case.of("target time with month 13", 2, "2026-13-01", "--pgdata", "$/t3", "restore",
                        "--target-time", "2026-13-01T10:00:00Z"),
                Case.of("malformed target LSN", 2, "0/XYZ", "--pgdata", "$/t4", "restore", "--target-lsn", "0/XYZ"),
                Case.of("target LSN before the first backup", 4, "0/10", "--pgdata", "$/t5", "restore",
                        "--target-lsn", "0/10"),
                Case.of("negative target transaction", 2, "target xid -5 is not", "--pgdata", "$/t6", "restore",
                        "--target-xid", "-5"),
                Case.of("two targets at once", 2, "--target", "--pgdata", "$/t7", "restore", "--target-xid", "800",
                        "--target-name", "n"),
                // backup ids
                Case.of("unknown backup id to verify", 5, "backup 20200101T000000F does not exist", "verify",
                        "--backup", "20200101T000000F"),
                Case.of("backup id with path traversal", 2, "../../main", "--pgdata", "$/t8", "restore", "--backup",
                        "../../main"),
                // damaged repository
                Case.of("corrupted manifest, list", 9, "manifest.json is corrupt", "list").with(this::corruptManifest),
                Case.of("corrupted manifest, restore", 9, "manifest", "--pgdata", "$/t9", "restore")
                        .with(this::corruptManifest),
                Case.of("wrong encryption passphrase", 16, "passphrase is wrong", "--cluster", "enc", "list")
                        .withEnv(Map.of("PGVAULT_PASSPHRASE", "wrong horse battery staple")),
                Case.of("no passphrase for an encrypted cluster", 16, "is encrypted and no passphrase was given",
                        "--cluster", "enc", "--pgdata", "$/t11", "restore"),
                Case.of("truncated WAL object", 9, "000000010000000000000002", "wal-fetch",
                        "000000010000000000000002", "$/fetched").with(this::truncateWal),
                // WAL names
                Case.of("wal-fetch name with path traversal", 2, "not a WAL file name", "wal-fetch",
                        "000000010000000000000001/../../../x", "$/fetched"),
                Case.of("wal-fetch history name with path traversal", 2, "not a WAL file name", "wal-fetch",
                        "00000001.history/../x", "$/fetched"),
                Case.of("wal-push of a file that is no WAL", 2, "not a WAL file name", "wal-push", "$/passwd"),
                Case.of("wal-push through a relative path with ../", 2, "not a WAL file name", "wal-push",
                        "$/restored/../passwd"),
                // relation names
                Case.of("relation remove with quotes and semicolons", 2, "invalid", "--pg-port", port(), "relate",
                        "remove", INJECTION),
                Case.of("relation credentials with quotes and semicolons", 2, "invalid", "relate", "credentials",
                        "a\"; DROP DATABASE postgres; --"),
                Case.of("relation with a semicolon in its login name", 2, "invalid", "--pg-port", port(), "relate",
                        "add", "app", "--username", "u;drop", "--sink-file", "$/sink.json"),
                Case.of("unknown sink format", 2, "xml", "--pg-port", port(), "relate", "add", "app",
                        "--sink-format", "xml", "--sink-file", "$/sink.json"));
    }

    @TestFactory
    Stream<DynamicTest> everyRowFailsCleanlyAndChangesNothing() {
        List<Case> rows = table();
        assertThat(rows).hasSizeGreaterThanOrEqualTo(25);
        return rows.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> check(c)));
    }

    @Test
    void debugShowsTheStackTrace() throws Exception {
        try (AutoCloseable undo = corruptManifest()) {
            PgCtl.Result r = run(Map.of(), List.of("--debug", "--pgdata", work.resolve("t10").toString(), "restore"));
            assertThat(r.exitCode()).as(r.output()).isEqualTo(9);
            assertThat(r.output()).contains("\tat io.pgvault.");
        }
    }

    private void check(Case c) throws Exception {
        try (AutoCloseable undo = c.setup().apply()) {
            Map<String, String> before = snapshot();
            List<String> args = c.args().stream().map(a -> a.replace("$", work.toString())).toList();
            PgCtl.Result r = run(c.env(), args);
            String out = r.output().strip();
            assertThat(r.exitCode()).as(c.name() + ": " + out).isEqualTo(c.exit());
            assertThat(out.lines().count()).as(c.name() + ": one line\n" + out).isEqualTo(1);
            assertThat(out).as(c.name()).startsWith("pgvault: ").contains(c.words()).doesNotContain("Exception")
                    .doesNotContain("\tat ").doesNotContain("at io.");
            assertThat(snapshot()).as(c.name() + ": nothing changed").isEqualTo(before);
        }
        assertThat(primary.queryLong("SELECT count(*) FROM t")).isEqualTo(1);
    }

    /** Runs pgvault on this class's repository and cluster, unless the row names its own. */
    private PgCtl.Result run(Map<String, String> env, List<String> args) {
        List<String> all = new ArrayList<>();
        if (!args.contains("--repo")) {
            all.addAll(List.of("--repo", repo.url()));
        }
        if (!args.contains("--cluster")) {
            all.addAll(List.of("--cluster", "main"));
        }
        all.addAll(args);
        return launcher.run(env, all.toArray(String[]::new));
    }

    private String ok(String... args) {
        PgCtl.Result r = run(Map.of(), List.of(args));
        assertThat(r.exitCode()).as(r.output()).isZero();
        return r.output();
    }

    private String port() {
        return Integer.toString(primary.port());
    }

    /** Path, size and SHA-256 of every file under the work directory but the running server's data directory. */
    private Map<String, String> snapshot() throws IOException {
        Map<String, String> files = new java.util.TreeMap<>();
        try (Stream<Path> s = Files.walk(work)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (p.startsWith(primary.pgdata()) || p.getFileName().toString().endsWith(".log")) {
                    continue;
                }
                files.put(work.relativize(p).toString(), Files.isRegularFile(p) ? Files.size(p) + " " + sha256(p)
                        : "dir");
            }
        }
        return files;
    }

    private static String sha256(Path p) throws IOException {
        return Sha256.of(Files.readAllBytes(p));
    }

    private AutoCloseable corruptManifest() throws IOException {
        return replace(repoRoot.resolve("main/backups/" + backupId + "/manifest.json"),
                original -> java.util.Arrays.copyOf(original, original.length * 3 / 5));
    }

    private AutoCloseable truncateWal() throws IOException {
        return replace(repoRoot.resolve("main/wal/0000000100000000/000000010000000000000002.zst"),
                original -> java.util.Arrays.copyOf(original, original.length / 2));
    }

    /** Rewrites a file; the returned handle puts the original back. */
    private static AutoCloseable replace(Path file, java.util.function.UnaryOperator<byte[]> change)
            throws IOException {
        byte[] original = Files.readAllBytes(file);
        Files.write(file, change.apply(original));
        return () -> Files.write(file, original);
    }

    private static String only(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            List<String> names = s.map(p -> p.getFileName().toString()).toList();
            assertThat(names).hasSize(1);
            return names.get(0);
        }
    }
}
