package io.pgvault.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgvault.core.pg.PgCtl;
import io.pgvault.core.testing.PgTestCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * PITR exactness against one repository: a cluster with data checksums archives through pgvault wal-push while a
 * ledger writer commits one row at a time under pgbench load; two backups (one mid-load); then restores to targets
 * between two ledger commits, each started and checked to hold exactly the rows committed up to the target.
 */
final class PitrScenario implements AutoCloseable {

    /** A restore target and the number of ledger rows that must come back. */
    record Target(String description, List<String> args, long expectedRows) {
    }

    private final RepoTarget repo;
    private final Launcher launcher;
    private final Path work;
    private final Path binDir;
    private final boolean pgbench;
    private final String cluster = "pitr";
    private PgTestCluster primary;
    private List<LedgerWriter.Commit> commits;
    private Instant secondBackupStart;
    private Instant secondBackupStop;
    /** --type of each backup taken under load, in order (one full by default). */
    private List<String> laterTypes = List.of("full");
    /** Start and stop of each backup taken under load. */
    private final List<Instant[]> windows = new ArrayList<>();

    PitrScenario(RepoTarget repo, Path work) throws IOException {
        this(repo, work, null, true);
    }

    /**
     * @param binDir  server programs for the primary and every restored copy; null for PgTestCluster's default
     * @param pgbench true: pgbench fills and loads the server; false: the same over JDBC (for server binaries that
     *                come without pgbench)
     */
    PitrScenario(RepoTarget repo, Path work, Path binDir, boolean pgbench) throws IOException {
        this.repo = repo;
        this.work = work;
        this.binDir = binDir;
        this.pgbench = pgbench;
        this.launcher = Launcher.get();
    }

    PgTestCluster primary() {
        return primary;
    }

    List<String> pgvault(String... args) {
        List<String> a = new ArrayList<>(repo.args(cluster));
        a.addAll(List.of(args));
        return a;
    }

    String ok(String... args) {
        return launcher.ok(repo.env(), pgvault(args).toArray(String[]::new));
    }

    /** Builds the primary, the ledger history, a full backup and then, under load, backups of these types. */
    void prepare(Duration loadTime, List<String> typesUnderLoad) throws Exception {
        laterTypes = List.copyOf(typesUnderLoad);
        prepare(loadTime);
    }

    /** Builds the primary, the ledger history and two backups. */
    void prepare(Duration loadTime) throws Exception {
        String archive = "archive_mode = on\narchive_command = '" + launcher.bin() + " " + repo.archiveArgs(cluster)
                + " wal-push %p'\narchive_timeout = 0\n";
        primary = binDir == null ? PgTestCluster.start(work, "primary", archive, repo.env())
                : PgTestCluster.start(work, "primary", archive, repo.env(), binDir);
        ok("--pg-port", Integer.toString(primary.port()), "init");
        LedgerWriter.createTable(primary);
        if (pgbench) {
            PgCtl.Result init = pgbench("-i", "-s", "3", "-q");
            assertThat(init.exitCode()).as(init.output()).isZero();
        } else {
            primary.execute("CREATE TABLE filler (id int PRIMARY KEY, n bigint NOT NULL, pad text NOT NULL)",
                    "INSERT INTO filler SELECT g, 0, repeat(md5(g::text), 4) FROM generate_series(1, 20000) g");
        }
        backup();

        LedgerWriter writer = new LedgerWriter(primary);
        writer.start();
        Thread load = pgbench
                ? new Thread(() -> pgbench("-n", "-c", "2", "-j", "1", "-R", "150", "-T", Long.toString(loadTime.toSeconds())))
                : new Thread(() -> jdbcLoad(loadTime));
        load.start();
        long gap = loadTime.toMillis() / (laterTypes.size() + 2);
        for (String type : laterTypes) {
            Thread.sleep(gap);
            secondBackupStart = Instant.now();
            backup("--type", type);
            secondBackupStop = Instant.now();
            windows.add(new Instant[] {secondBackupStart, secondBackupStop});
        }
        // the ledger goes on after the last backup, however long that backup took
        Thread.sleep(gap * 2);
        commits = writer.stopAndGet();
        load.join();
        primary.switchAndAwaitArchived(Duration.ofSeconds(120));
        assertThat(commits.size()).as("ledger commits").isGreaterThan(200);
        assertThat(primary.queryLong("SELECT count(*) FROM ledger")).isEqualTo(commits.size());
    }

    private void backup(String... options) {
        List<String> args = new ArrayList<>(List.of("--pg-port", Integer.toString(primary.port()), "--pgdata",
                primary.pgdata().toString(), "--jobs", "2", "backup"));
        // 8 MiB ranges: pgbench_accounts (scale 3, about 39 MiB) is split in full backups, so every storage and the
        // incremental chains on top of them restore ranged files
        args.addAll(List.of("--range-size", "8MiB"));
        args.addAll(List.of(options));
        ok(args.toArray(String[]::new));
    }

    /** Updates random filler rows, one commit each, about 150 a second: load without pgbench. */
    private void jdbcLoad(Duration loadTime) {
        long end = System.nanoTime() + loadTime.toNanos();
        try (Connection c = primary.connect(); Statement st = c.createStatement()) {
            while (System.nanoTime() < end) {
                st.execute("UPDATE filler SET n = n + 1 WHERE id = 1 + (random() * 19999)::int");
                Thread.sleep(6);
            }
        } catch (Exception e) {
            throw new IllegalStateException("JDBC load failed", e);
        }
    }

    private PgCtl.Result pgbench(String... args) {
        List<String> cmd = new ArrayList<>(List.of(primary.pgCtl().binDir().resolve("pgbench").toString(),
                "-h", "127.0.0.1", "-p", Integer.toString(primary.port()), "-U", "postgres"));
        cmd.addAll(List.of(args));
        cmd.add("postgres");
        return primary.pgCtl().run(cmd, Map.of(), Duration.ofMinutes(5));
    }

    /** A time strictly between commit i's return and commit i+1's start. */
    Target timeBetween(int index) {
        LedgerWriter.Commit c = commits.get(index);
        LedgerWriter.Commit next = commits.get(index + 1);
        Instant mid = c.after().plus(Duration.between(c.after(), next.before()).dividedBy(2));
        String ts = mid.atOffset(ZoneOffset.UTC).toString();
        return new Target("time after ledger row " + c.id() + " (" + ts + ")", List.of("--target-time", ts), c.id());
    }

    /**
     * Times spread over the history: half before the second backup started (served by the first backup), half after
     * it ended (served by the second).
     */
    List<Target> timeTargets(int count) {
        List<Integer> before = new ArrayList<>();
        List<Integer> after = new ArrayList<>();
        for (int i = 0; i < commits.size() - 1; i++) {
            if (commits.get(i + 1).before().isBefore(secondBackupStart)) {
                before.add(i);
            } else if (commits.get(i).after().isAfter(secondBackupStop)) {
                after.add(i);
            }
        }
        assertThat(before).as("ledger commits before the second backup").hasSizeGreaterThan(count);
        assertThat(after).as("ledger commits after the second backup").hasSizeGreaterThan(count);
        List<Target> targets = new ArrayList<>();
        int early = (count + 1) / 2;
        for (int k = 1; k <= early; k++) {
            targets.add(timeBetween(before.get(before.size() * k / (early + 1))));
        }
        for (int k = 1; k <= count - early; k++) {
            targets.add(timeBetween(after.get(after.size() * k / (count - early + 1))));
        }
        return targets;
    }

    /**
     * Times after backup {@code i} under load ended and before the next one started (or the ledger ended): targets the
     * newest backup ending before them, backup {@code i}, serves.
     */
    List<Target> timeTargetsServedBy(int i, int count) {
        Instant from = windows.get(i)[1];
        Instant to = i + 1 < windows.size() ? windows.get(i + 1)[0] : Instant.MAX;
        List<Integer> inside = new ArrayList<>();
        for (int k = 0; k < commits.size() - 1; k++) {
            if (commits.get(k).after().isAfter(from) && commits.get(k + 1).before().isBefore(to)) {
                inside.add(k);
            }
        }
        assertThat(inside).as("ledger commits after backup " + i + " under load").hasSizeGreaterThan(count);
        List<Target> targets = new ArrayList<>();
        for (int k = 1; k <= count; k++) {
            targets.add(timeBetween(inside.get(inside.size() * k / (count + 1))));
        }
        return targets;
    }

    /** The WAL position right after a commit, exclusive: the next commit starts at or after it. */
    Target lsnAfter(int index) {
        LedgerWriter.Commit c = commits.get(index);
        return new Target("LSN " + c.lsnAfter() + " after ledger row " + c.id(),
                List.of("--target-lsn", c.lsnAfter(), "--target-inclusive", "false"), c.id());
    }

    /** The restore point created right after ledger row 100 * n. */
    Target restorePoint() {
        long id = (commits.size() / 2 / 100) * 100;
        return new Target("restore point ledger_" + id, List.of("--target-name", "ledger_" + id), id);
    }

    Target endOfArchive() {
        return new Target("end of the archive", List.of(), commits.size());
    }

    /** Restores to the target, starts the copy, and checks the ledger holds exactly rows 1..expected. */
    String restoreAndCheck(Target target, int n) throws Exception {
        return restoreAndCheck(target, n, false, repo.env());
    }

    /** The same with another environment for pgvault and the restored server (e.g. another passphrase). */
    String restoreAndCheck(Target target, int n, Map<String, String> env) throws Exception {
        return restoreAndCheck(target, n, false, env);
    }

    String restoreAndCheck(Target target, int n, boolean delta) throws Exception {
        return restoreAndCheck(target, n, delta, repo.env());
    }

    /**
     * Like {@link #restoreAndCheck(Target, int)}; with {@code delta}, the directory is first filled by a restore of
     * the oldest backup, then brought to the target by a delta restore.
     *
     * @return the output of the (last) restore
     */
    String restoreAndCheck(Target target, int n, boolean delta, Map<String, String> env) throws Exception {
        Path dir = work.resolve("restore-" + n);
        if (delta) {
            String oldest = launcher.ok(env, pgvault("list").toArray(String[]::new)).lines()
                    .filter(l -> l.matches("\\d{8}T\\d{6}F.*")).findFirst().orElseThrow().substring(0, 16);
            launcher.ok(env, pgvault("--pgdata", dir.toString(), "--jobs", "2", "restore", "--archive-mode", "off",
                    "--backup", oldest, "--target", "immediate").toArray(String[]::new));
        }
        List<String> args = new ArrayList<>(pgvault("--pgdata", dir.toString(), "--jobs", "2", "restore",
                "--archive-mode", "off"));
        if (delta) {
            args.add("--delta");
        }
        args.addAll(target.args());
        String output = launcher.ok(env, args.toArray(String[]::new));
        int port = PgTestCluster.freePort();
        Files.writeString(dir.resolve("postgresql.auto.conf"), "port = " + port + "\n", StandardOpenOption.APPEND);
        PgTestCluster copy = binDir == null ? PgTestCluster.existing(dir, port, env)
                : PgTestCluster.existing(dir, port, env, binDir);
        copy.startServer();
        try {
            copy.awaitPromotion(Duration.ofMinutes(3));
            try (Connection c = copy.connect(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*), coalesce(min(id), 0), coalesce(max(id), 0) FROM ledger")) {
                rs.next();
                assertThat(new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)})
                        .as("ledger rows (count, min, max) after restore to " + target.description())
                        .containsExactly(target.expectedRows(), target.expectedRows() == 0 ? 0 : 1, target.expectedRows());
            }
        } finally {
            copy.stopImmediately();
            PgTestCluster.deleteTree(dir);
        }
        return output;
    }

    @Override
    public void close() {
        if (primary != null) {
            primary.stopImmediately();
        }
    }
}
