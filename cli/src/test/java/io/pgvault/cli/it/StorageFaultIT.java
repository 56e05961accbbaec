package io.pgvault.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgvault.cli.it.FaultInjectingProxy.Fault;
import io.pgvault.core.pg.PgCtl;
import io.pgvault.core.testing.PgTestCluster;
import io.pgvault.storage.ObjectInfo;
import io.pgvault.storage.Storage;
import io.pgvault.storage.Storages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Storage faults. Through {@link FaultInjectingProxy} between each object-store adapter and its real server: at 10%
 * faults (resets before and after the request, delays, 500/503/429 answers) a backup and the WAL pushes of
 * archive_command succeed through the adapter's retries (PostgreSQL never sees a failed push) and restore and verify
 * are clean; at 100% a backup and a wal-push fail within bounded time with one line naming the object and the last
 * error, and leave no object behind. And a full filesystem: a repository on a small tmpfs that is full.
 */
@Tag("integration")
class StorageFaultIT {

    /** Swift's tempauth key (infra/swift.sh): tempauth returns a storage URL on the host it was asked through. */
    static final String SWIFT_TEMPAUTH_KEY = "testing";

    /** Faults drawn at 10%: every kind. At 100%: every kind that fails a request (a delay does not). */
    private static final Fault[] ALL = Fault.values();
    private static final Fault[] FAILING = {Fault.RESET_BEFORE_BODY, Fault.RESET_AFTER_BODY, Fault.HTTP_500,
        Fault.HTTP_503, Fault.HTTP_429};

    /** A repository behind a proxy: the target and the adapter's small retry/timeout settings. */
    private record Behind(RepoTarget repo, int upstreamPort) {
    }

    private static Behind s3(int proxyPort) {
        return new Behind(new RepoTarget("s3", "s3://pgvault-faults-" + RepoTarget.suffix() + "/r",
                List.of("--s3-endpoint", "http://127.0.0.1:" + proxyPort, "--s3-path-style", "true",
                        "--s3-max-retries", "4", "--s3-request-timeout", "5"),
                RepoTarget.s3().env()), 8081);
    }

    private static Behind azure(int proxyPort) {
        return new Behind(new RepoTarget("azure", "azure://pgvault-faults-" + RepoTarget.suffix() + "/r",
                List.of("--azure-endpoint", "http://127.0.0.1:" + proxyPort + "/devstoreaccount1", "--azure-account",
                        "devstoreaccount1", "--azure-max-retries", "4", "--azure-request-timeout", "5"),
                RepoTarget.azure().env()), 10000);
    }

    private static Behind swift(int proxyPort) {
        return new Behind(new RepoTarget("swift", "swift://pgvault-faults-" + RepoTarget.suffix() + "/r",
                List.of("--swift-auth-url", "http://127.0.0.1:" + proxyPort + "/auth/v1.0", "--swift-user",
                        "test:tester", "--swift-max-retries", "4", "--swift-request-timeout", "5"),
                Map.of("PGVAULT_SWIFT_KEY", SWIFT_TEMPAUTH_KEY)), 8080);
    }

    @Test
    void s3() throws Exception {
        throughFaults(StorageFaultIT::s3);
    }

    @Test
    void azure() throws Exception {
        throughFaults(StorageFaultIT::azure);
    }

    @Test
    void swift() throws Exception {
        throughFaults(StorageFaultIT::swift);
    }

    private void throughFaults(java.util.function.IntFunction<Behind> target) throws Exception {
        Path work = PgTestCluster.workDirectory("pgvault-faults-");
        long seed = Long.getLong("pgvault.faultSeed", System.nanoTime());
        Launcher launcher = Launcher.get();
        PgTestCluster primary = null;
        int upstream = target.apply(0).upstreamPort();
        try (FaultInjectingProxy proxy = new FaultInjectingProxy(upstream, seed)) {
            RepoTarget repo = target.apply(proxy.port()).repo();
            Pgvault pgvault = new Pgvault(launcher, repo);
            primary = PgTestCluster.start(work, "primary", "archive_mode = on\narchive_command = '" + launcher.bin()
                    + " " + repo.archiveArgs("f") + " wal-push %p'\n", repo.env());
            String port = Integer.toString(primary.port());
            pgvault.ok("--pg-port", port, "init");
            primary.execute("CREATE TABLE t AS SELECT g AS id, md5(g::text) AS h FROM generate_series(1, 20000) g");

            // 10%: everything succeeds through retries
            proxy.inject(0.10, ALL);
            long start = System.nanoTime();
            pgvault.ok("--pg-port", port, "--pgdata", primary.pgdata().toString(), "backup");
            // three pushes, and more while chance has not injected a fault yet (about 1 run in 20 would see none in
            // the backup and three pushes alone)
            for (int i = 0; i < 3 || proxy.injectedTotal() == 0 && i < 20; i++) {
                primary.execute("INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 20000) g");
                primary.switchAndAwaitArchived(Duration.ofSeconds(120));
            }
            assertThat(primary.queryLong("SELECT failed_count FROM pg_stat_archiver"))
                    .as("pushes PostgreSQL saw failing (the adapter retries)").isZero();
            long tenPercent = proxy.injectedTotal();
            System.out.printf("%s at 10%%: %d faults injected in %d requests %s, backup + pushes in %d ms "
                    + "(seed %d)%n", repo.name(), tenPercent, proxy.requests(), proxy.injected(),
                    (System.nanoTime() - start) / 1_000_000, seed);
            assertThat(tenPercent).as("faults injected at 10%").isPositive();
            proxy.inject(0);
            assertThat(pgvault.ok("verify")).contains(", 0 problems");
            Path restored = work.resolve("restored");
            pgvault.ok("--pgdata", restored.toString(), "restore", "--target", "immediate");

            // 100%: clean, bounded failures that leave nothing behind
            List<String> before = objects(repo);
            String backups = pgvault.ok("list");
            Path segment = unarchivedSegment(primary, work);
            proxy.inject(1.0, FAILING);
            long failStart = System.nanoTime();
            PgCtl.Result backup = pgvault.run("--pg-port", port, "--pgdata", primary.pgdata().toString(), "backup");
            long backupMillis = (System.nanoTime() - failStart) / 1_000_000;
            failStart = System.nanoTime();
            PgCtl.Result push = pgvault.run("wal-push", segment.toString());
            long pushMillis = (System.nanoTime() - failStart) / 1_000_000;
            long hundred = proxy.injectedTotal() - tenPercent;
            proxy.inject(0);
            System.out.printf("%s at 100%%: %d faults injected; backup failed in %d ms: %s; wal-push failed in %d "
                    + "ms: %s%n", repo.name(), hundred, backupMillis, backup.output().strip(), pushMillis,
                    push.output().strip());
            for (PgCtl.Result r : List.of(backup, push)) {
                assertThat(r.exitCode()).as(r.output()).isEqualTo(6);
                assertThat(r.output().strip().lines().count()).as(r.output()).isEqualTo(1);
                assertThat(r.output()).doesNotContain("\tat ");
                // what it gave up on (at 100% the first thing it asked for: cluster.json, or the login) and why
                assertThat(r.output()).containsAnyOf("cluster.json", "/auth/v1.0")
                        .containsAnyOf("HTTP 429", "HTTP 500", "HTTP 503", "Connection reset", "connection reset",
                                // a reset before the answer, as the JDK HTTP client reports it
                                "received no bytes");
            }
            assertThat(backupMillis).as("backup failure time").isLessThan(90_000);
            assertThat(pushMillis).as("wal-push failure time").isLessThan(90_000);
            assertThat(pgvault.ok("list")).isEqualTo(backups);
            // nothing of the failed backup or push; WAL PostgreSQL archived meanwhile (the backup's own) may be new
            List<String> added = new ArrayList<>(objects(repo));
            added.removeAll(before);
            assertThat(added).as("objects added by failures at 100%").allMatch(o -> o.contains("/wal/"))
                    .noneMatch(o -> o.contains(segment.getFileName().toString()));
            assertThat(pgvault.ok("verify")).contains(", 0 problems");
        } finally {
            if (primary != null) {
                primary.stopImmediately();
            }
            SuiteOutput.keepLogs(work);
            PgTestCluster.deleteTree(work);
        }
    }

    /** A copy of the segment PostgreSQL is writing, owned by postgres: a WAL file that is not in the archive. */
    private static Path unarchivedSegment(PgTestCluster primary, Path work) throws Exception {
        primary.execute("CREATE TABLE IF NOT EXISTS unarchived (x int)", "INSERT INTO unarchived VALUES (1)");
        String name = primary.queryString("SELECT pg_walfile_name(pg_current_wal_insert_lsn())");
        Path copy = work.resolve(name);
        Files.copy(primary.pgdata().resolve("pg_wal/" + name), copy);
        PgTestCluster.chownToPostgres(copy);
        return copy;
    }

    /** Every object of the repository with its size, straight from the adapter (not through pgvault). */
    private static List<String> objects(RepoTarget repo) {
        Map<String, String> settings = new HashMap<>();
        List<String> options = repo.options();
        for (int i = 0; i + 1 < options.size(); i += 2) {
            settings.put(options.get(i).substring(2), options.get(i + 1));
        }
        repo.env().forEach((name, value) -> {
            if (name.startsWith("PGVAULT_")) {
                settings.put(name.substring(8).toLowerCase(java.util.Locale.ROOT).replace('_', '-'), value);
            }
        });
        try (Storage storage = Storages.open(repo.url(), settings, repo.env());
             Stream<ObjectInfo> s = storage.list("")) {
            return s.map(o -> o.key() + ":" + o.size()).sorted().collect(Collectors.toList());
        }
    }

    /** pgvault against one repository and cluster "f". */
    private record Pgvault(Launcher launcher, RepoTarget repo) {
        PgCtl.Result run(String... args) {
            List<String> all = new ArrayList<>(repo.args("f"));
            all.addAll(List.of(args));
            return launcher.run(repo.env(), all.toArray(String[]::new));
        }

        String ok(String... args) {
            PgCtl.Result r = run(args);
            assertThat(r.exitCode()).as("pgvault " + String.join(" ", args) + ":\n" + r.output()).isZero();
            return r.output();
        }
    }

    @Test
    void fullFilesystem() throws Exception {
        Path work = PgTestCluster.workDirectory("pgvault-full-");
        Path mount = work.resolve("tmpfs");
        Files.createDirectories(mount);
        Launcher launcher = Launcher.get();
        PgCtl shell = new PgCtl(Path.of("/"), null);
        PgCtl.Result mounted = shell.run(List.of("mount", "-t", "tmpfs", "-o", "size=48m,mode=0755", "tmpfs",
                mount.toString()), Map.of(), Duration.ofSeconds(30));
        assertThat(mounted.exitCode()).as("mount a tmpfs (needs root): " + mounted.output()).isZero();
        PgTestCluster primary = null;
        try {
            PgTestCluster.chownToPostgres(mount);
            RepoTarget repo = RepoTarget.filesystem(mount);
            Pgvault pgvault = new Pgvault(launcher, repo);
            primary = PgTestCluster.start(work, "primary", "archive_mode = on\narchive_command = '" + launcher.bin()
                    + " " + repo.archiveArgs("f") + " wal-push %p'\n", Map.of());
            String port = Integer.toString(primary.port());
            pgvault.ok("--pg-port", port, "init");
            // 6 MB that do not compress
            primary.execute("CREATE TABLE r AS SELECT g AS id, decode(repeat(md5(random()::text), 4), 'hex') AS b "
                    + "FROM generate_series(1, 100000) g");
            primary.switchAndAwaitArchived(Duration.ofSeconds(60));
            // PostgreSQL's own archiving pauses, so that only the test's push and backup write (archive_command
            // is reloadable); a copy of the segment being written is the WAL file pushed
            primary.execute("ALTER SYSTEM SET archive_command = '/bin/false'", "SELECT pg_reload_conf()");
            Path segment = unarchivedSegment(primary, work);
            Path filler = mount.resolve("filler");
            // a full file system: the push fails at once
            PgCtl.Result fill = shell.run(List.of("sh", "-c", "dd if=/dev/zero of=" + filler + " bs=64k 2>/dev/null;"
                    + " sync; test -s " + filler), Map.of(), Duration.ofSeconds(60));
            assertThat(fill.exitCode()).as(fill.output()).isZero();
            List<String> before = tree(mount.resolve("repo"));
            PgCtl.Result push = pgvault.run("wal-push", segment.toString());
            // all but 1.5 MB: the backup fails part-way, after some of its objects were written
            PgCtl.Result free = shell.run(List.of("truncate", "-s", "-1536k", filler.toString()), Map.of(),
                    Duration.ofSeconds(30));
            assertThat(free.exitCode()).as(free.output()).isZero();
            PgCtl.Result backup = pgvault.run("--pg-port", port, "--pgdata", primary.pgdata().toString(), "backup");
            System.out.printf("full file system: wal-push: %s; backup: %s%n", push.output().strip(),
                    backup.output().strip());
            for (PgCtl.Result r : List.of(backup, push)) {
                assertThat(r.exitCode()).as(r.output()).isEqualTo(6);
                assertThat(r.output().strip().lines().count()).as(r.output()).isEqualTo(1);
                assertThat(r.output()).contains("cannot write f/").contains("no space left on device")
                        .doesNotContain("\tat ");
            }
            assertThat(pgvault.ok("list")).contains("no backups yet");
            List<String> after = tree(mount.resolve("repo"));
            assertThat(after).as("files left by the failed push and backup").isEqualTo(before);

            Files.delete(filler);
            primary.execute("ALTER SYSTEM RESET archive_command", "SELECT pg_reload_conf()");
            pgvault.ok("--pg-port", port, "--pgdata", primary.pgdata().toString(), "backup");
            primary.switchAndAwaitArchived(Duration.ofSeconds(60));
            assertThat(pgvault.ok("verify")).contains(", 0 problems");
        } finally {
            if (primary != null) {
                primary.stopImmediately();
            }
            shell.run(List.of("umount", "-l", mount.toString()), Map.of(), Duration.ofSeconds(30));
            SuiteOutput.keepLogs(work);
            PgTestCluster.deleteTree(work);
        }
    }

    /** The repository's files (objects, and temporary files an interrupted write would leave) with their sizes. */
    private static List<String> tree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> dir.relativize(p) + ":" + p.toFile().length()).sorted()
                    .toList();
        }
    }
}
