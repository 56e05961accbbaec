package io.pgvault.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgvault.core.pg.PgCtl;
import io.pgvault.core.repo.WalObjectFormat;
import io.pgvault.core.stream.Sha256;
import io.pgvault.core.testing.PgTestCluster;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * kill -9 of pgvault at random points of backup, wal-push (as archive_command under pgbench load) and restore: after
 * each trial `verify` passes, `list` shows only complete backups, and every WAL file PostgreSQL marked archived
 * ({@code .done}) is in the repository with the content PostgreSQL wrote (fetched back with wal-fetch). The kill is a
 * SIGKILL to the JVM itself (bin/pgvault execs java). Seeded: the seed is printed; {@code -Dpgvault.killSeed=N}
 * repeats a run.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KillTrialsIT {

    /** What is killed. */
    enum Kind { BACKUP, WAL_PUSH, RESTORE, EXPIRE }

    /** Full backups the expire trials keep. */
    private static final int RETAIN = 2;

    /** One trial: what is killed, and how long after its JVM started. */
    record Trial(int n, Kind kind, long killAfterMillis) {
    }

    /** What a trial did: killed, or finished before the kill came; WAL files to fetch back and compare. */
    record Outcome(Trial trial, boolean killed, String detail, List<String> fetch) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CLUSTER = "kill";

    private final long seed = Long.getLong("pgvault.killSeed", System.nanoTime());
    private final Random random = new Random(seed);
    private final Set<String> checkedWal = new HashSet<>();
    private final List<Outcome> outcomes = new ArrayList<>();
    private Path work;
    private RepoTarget repo;
    private Launcher launcher;
    private PgTestCluster primary;
    private Path killPlan;
    private Path killLog;
    private Process load;
    private long backupMillis;
    private long restoreMillis;
    private int listed;

    @BeforeAll
    void prepare() throws Exception {
        System.out.println("KillTrialsIT seed " + seed + " (repeat with -Dpgvault.killSeed=" + seed + ")");
        work = PgTestCluster.workDirectory("pgvault-kill-");
        repo = RepoTarget.filesystem(work);
        launcher = Launcher.get();
        killPlan = work.resolve("kill-plan");
        killLog = work.resolve("kills");
        Path wrapper = archiveWrapper();
        primary = PgTestCluster.start(work, "primary", "archive_mode = on\narchive_command = '" + wrapper
                + " %p'\n", Map.of());
        ok("--pg-port", port(), "init");
        PgCtl.Result init = pgbench("-i", "-s", "1", "-q");
        assertThat(init.exitCode()).as(init.output()).isZero();
        long start = System.nanoTime();
        backup();
        backupMillis = (System.nanoTime() - start) / 1_000_000;
        start = System.nanoTime();
        Path dir = work.resolve("timed-restore");
        ok("--pgdata", dir.toString(), "--jobs", "2", "restore", "--target", "immediate", "--archive-mode", "off");
        restoreMillis = (System.nanoTime() - start) / 1_000_000;
        PgTestCluster.deleteTree(dir);
        listed = backups().size();
        System.out.printf("an uninterrupted backup takes %d ms, a restore %d ms%n", backupMillis, restoreMillis);
        load = new ProcessBuilder(pgbenchCommand("-n", "-c", "1", "-R", "40", "-T", "600")).redirectErrorStream(true)
                .redirectOutput(work.resolve("pgbench.log").toFile()).start();
    }

    @AfterAll
    void cleanUp() throws IOException {
        if (load != null) {
            load.destroyForcibly();
        }
        if (primary != null) {
            primary.stopImmediately();
        }
        SuiteOutput.recordFile(killLog);
        SuiteOutput.keepLogs(work);
        PgTestCluster.deleteTree(work);
    }

    /** The trials, in a seeded random order: backups, pushes and restores killed after a random delay. */
    List<Trial> plan() {
        List<Kind> kinds = new ArrayList<>();
        kinds.addAll(Collections.nCopies(10, Kind.BACKUP));
        kinds.addAll(Collections.nCopies(16, Kind.WAL_PUSH));
        kinds.addAll(Collections.nCopies(4, Kind.RESTORE));
        kinds.addAll(Collections.nCopies(4, Kind.EXPIRE));
        Collections.shuffle(kinds, random);
        List<Trial> trials = new ArrayList<>();
        for (Kind k : kinds) {
            long span = switch (k) {
                // within the time a run takes on this machine, so most trials are killed part-way
                case BACKUP -> backupMillis * 9 / 10;
                case WAL_PUSH -> 700;
                case RESTORE -> restoreMillis * 9 / 10;
                case EXPIRE -> 900;
            };
            trials.add(new Trial(trials.size() + 1, k, 50 + (long) (random.nextDouble() * span)));
        }
        return trials;
    }

    @Test
    void killedAtRandomPointsTheRepositoryStaysWhole() throws Exception {
        List<Trial> trials = plan();
        assertThat(trials).hasSizeGreaterThanOrEqualTo(30);
        long start = System.nanoTime();
        for (Trial t : trials) {
            Outcome o = switch (t.kind()) {
                case BACKUP -> backupTrial(t);
                case WAL_PUSH -> walPushTrial(t);
                case RESTORE -> restoreTrial(t);
                case EXPIRE -> expireTrial(t);
            };
            outcomes.add(o);
            System.out.printf("trial %2d %-8s kill after %5d ms: %s%n", t.n(), t.kind(), t.killAfterMillis(),
                    (o.killed() ? "killed" : "finished first") + (o.detail().isEmpty() ? "" : ", " + o.detail()));
            checkListed(o, checkRepository(t, o.fetch()));
        }
        // after all of that, a backup still works
        backup();
        checkRepository(new Trial(trials.size() + 1, Kind.BACKUP, 0), List.of());
        long killed = outcomes.stream().filter(Outcome::killed).count();
        System.out.printf("%d trials, %d killed mid-way, in %d s (seed %d)%n", outcomes.size(), killed,
                (System.nanoTime() - start) / 1_000_000_000, seed);
        assertThat(killed).as("trials that were really killed").isGreaterThanOrEqualTo(20);
    }

    private Outcome backupTrial(Trial t) throws Exception {
        return killAfter(t, "backup", "--pg-port", port(), "--pgdata", primary.pgdata().toString(), "--jobs", "2",
                "backup");
    }

    /**
     * expire --retain-full 2, killed part-way: it deletes manifests before objects and holds the backup lock, so a
     * backup is either still whole or gone, and only WAL older than every kept backup goes.
     */
    private Outcome expireTrial(Trial t) throws Exception {
        return killAfter(t, "expire", "expire", "--retain-full", Integer.toString(RETAIN));
    }

    /**
     * A killed backup is listed only if it got as far as its manifest; a finished one is listed. A killed expire
     * leaves between what it keeps and what there was; a finished one leaves what it keeps.
     */
    private void checkListed(Outcome o, int now) {
        if (o.trial().kind() == Kind.EXPIRE) {
            int kept = Math.min(listed, RETAIN);
            if (o.killed()) {
                assertThat(now).as("backups listed after a killed expire").isBetween(kept, listed);
            } else {
                assertThat(now).as("backups listed after a finished expire").isEqualTo(kept);
            }
        } else if (o.trial().kind() == Kind.BACKUP && o.killed()) {
            assertThat(now).as("backups listed after a killed backup").isBetween(listed, listed + 1);
        } else if (o.trial().kind() == Kind.BACKUP) {
            assertThat(now).as("backups listed after a finished backup").isEqualTo(listed + 1);
        } else {
            assertThat(now).as("backups listed").isEqualTo(listed);
        }
        listed = now;
    }

    private Outcome walPushTrial(Trial t) throws Exception {
        int killsBefore = lines(killLog).size();
        Files.writeString(killPlan, String.format("%.3f%n", t.killAfterMillis() / 1000.0), StandardOpenOption.APPEND);
        primary.execute("CREATE TABLE IF NOT EXISTS filler (x text)", "INSERT INTO filler SELECT md5(g::text) FROM "
                + "generate_series(1, 2000) g", "SELECT pg_switch_wal()");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (lines(killLog).size() == killsBefore) {
            assertThat(System.nanoTime()).as("archive_command picked up the kill plan").isLessThan(deadline);
            Thread.sleep(50);
        }
        String line = lines(killLog).get(killsBefore);
        String pushed = Path.of(line.substring(0, line.indexOf(' '))).getFileName().toString();
        Path done = primary.pgdata().resolve("pg_wal/archive_status/" + pushed + ".done");
        while (!Files.exists(done)) { // PostgreSQL retries a failed archive_command a second later
            assertThat(System.nanoTime()).as(pushed + " archived after the kill").isLessThan(deadline);
            Thread.sleep(50);
        }
        return new Outcome(t, line.contains(" killed "), line, List.of(pushed));
    }

    private Outcome restoreTrial(Trial t) throws Exception {
        Path half = work.resolve("restore-" + t.n());
        Path fresh = work.resolve("fresh-" + t.n());
        Outcome o = killAfter(t, "restore", "--pgdata", half.toString(), "--jobs", "2", "restore", "--target",
                "immediate", "--archive-mode", "off");
        try {
            ok("--pgdata", fresh.toString(), "--jobs", "2", "restore", "--target", "immediate", "--archive-mode",
                    "off");
            PgTestCluster.deleteTree(fresh);
            ok("--pgdata", half.toString(), "--jobs", "2", "restore", "--delta", "--target", "immediate",
                    "--archive-mode", "off");
            int p = PgTestCluster.freePort();
            Files.writeString(half.resolve("postgresql.auto.conf"), "port = " + p + "\n", StandardOpenOption.APPEND);
            PgTestCluster copy = PgTestCluster.existing(half, p, Map.of());
            copy.startServer();
            try {
                copy.awaitPromotion(Duration.ofMinutes(2));
                assertThat(copy.queryLong("SELECT count(*) FROM pgbench_accounts")).isEqualTo(100_000);
            } finally {
                copy.stopImmediately();
            }
        } finally {
            PgTestCluster.deleteTree(half);
            PgTestCluster.deleteTree(fresh);
        }
        return o;
    }

    /** Starts pgvault, SIGKILLs its JVM {@code t.killAfterMillis()} after the JVM appeared (if still running). */
    private Outcome killAfter(Trial t, String name, String... args) throws Exception {
        Path log = work.resolve("killed-" + name + "-" + t.n() + ".log");
        List<String> all = new ArrayList<>(repo.args(CLUSTER));
        all.addAll(List.of(args));
        Process p = launcher.start(log, Map.of(), all.toArray(String[]::new));
        Optional<ProcessHandle> jvm = Optional.empty();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (jvm.isEmpty() && p.isAlive() && System.nanoTime() < deadline) {
            jvm = Launcher.jvmOf(p);
            Thread.sleep(5);
        }
        assertThat(jvm).as("the pgvault JVM of " + name).isPresent();
        boolean killed = false;
        if (!p.waitFor(t.killAfterMillis(), TimeUnit.MILLISECONDS)) {
            killed = jvm.get().destroyForcibly(); // SIGKILL
            jvm.get().onExit().get(10, TimeUnit.SECONDS);
        }
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        if (killed && p.exitValue() == 0) {
            // it finished in the moment between the wait and the SIGKILL (a killed JVM never exits 0): the trial is
            // checked as a finished run, whose stricter expectations then apply
            killed = false;
        }
        if (!killed) {
            assertThat(p.exitValue()).as(Files.readString(log)).isZero();
        } else {
            assertThat(p.exitValue()).as("exit of runuser after its child was killed").isNotZero();
        }
        return new Outcome(t, killed, "", List.of());
    }

    /**
     * verify passes, list shows only complete backups, and every .done WAL file is archived as written: the SHA-256
     * and size of the file in pg_wal equal those in its repository object's header (verify has just checked every
     * object against its header); {@code fetch} names files also fetched back with wal-fetch and compared.
     */
    private int checkRepository(Trial t, List<String> fetch) throws Exception {
        PgCtl.Result verify = run("verify");
        assertThat(verify.exitCode()).as("verify after trial " + t + ":\n" + verify.output()).isZero();
        List<JsonNode> backups = backups();
        for (JsonNode b : backups) {
            assertThat(b.path("stopLsn").asText()).as("listed backup " + b).isNotEmpty();
        }
        Path status = primary.pgdata().resolve("pg_wal/archive_status");
        List<String> done;
        try (Stream<Path> s = Files.list(status)) {
            done = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".done"))
                    .map(n -> n.substring(0, n.length() - ".done".length())).sorted().toList();
        }
        Map<String, Path> archived = archivedWal();
        // WAL older than the oldest kept backup's first segment is what expire removes, by design
        String oldestNeeded = backups.stream().map(b -> b.path("startWal").asText()).min(String::compareTo)
                .orElse("");
        for (String name : done) {
            if ((checkedWal.contains(name) && !fetch.contains(name)) || name.compareTo(oldestNeeded) < 0) {
                continue;
            }
            byte[] written;
            try {
                written = Files.readAllBytes(primary.pgdata().resolve("pg_wal/" + name));
            } catch (IOException recycled) {
                continue;
            }
            if (!Files.exists(status.resolve(name + ".done"))) {
                continue; // recycled by a checkpoint while we read it
            }
            assertThat(archived).as(name + " marked archived by PostgreSQL, after trial " + t).containsKey(name);
            WalObjectFormat.Header header;
            try (InputStream in = Files.newInputStream(archived.get(name))) {
                header = WalObjectFormat.read(in, name);
            }
            assertThat(header.sha256Hex() + " " + header.originalSize()).as("archived " + name + " after trial " + t)
                    .isEqualTo(Sha256.of(written) + " " + written.length);
            if (fetch.contains(name)) {
                Path fetched = work.resolve("fetched-" + name);
                PgCtl.Result r = run("wal-fetch", name, fetched.toString());
                assertThat(r.exitCode()).as("wal-fetch " + name + " after trial " + t + ": " + r.output()).isZero();
                assertThat(Sha256.of(Files.readAllBytes(fetched))).as("fetched " + name).isEqualTo(Sha256.of(written));
                Files.delete(fetched);
            }
            checkedWal.add(name);
        }
        return backups.size();
    }

    /** The WAL objects of the (filesystem) repository by WAL file name. */
    private Map<String, Path> archivedWal() throws IOException {
        Path wal = Path.of(repo.url().substring("file://".length()), CLUSTER, "wal");
        try (Stream<Path> s = Files.walk(wal)) {
            return s.filter(Files::isRegularFile).collect(java.util.stream.Collectors.toMap(p -> {
                String n = p.getFileName().toString();
                return n.substring(0, n.lastIndexOf('.'));
            }, p -> p));
        }
    }

    private List<JsonNode> backups() throws IOException {
        PgCtl.Result r = run("--json", "list");
        assertThat(r.exitCode()).as(r.output()).isZero();
        List<JsonNode> all = new ArrayList<>();
        JSON.readTree(r.output()).forEach(all::add);
        return all;
    }

    /** archive_command: pgvault wal-push, its JVM SIGKILLed after the delay on the first line of the kill plan. */
    private Path archiveWrapper() throws IOException {
        Files.writeString(killPlan, "");
        Files.writeString(killLog, "");
        PgTestCluster.chownToPostgres(killPlan);
        PgTestCluster.chownToPostgres(killLog);
        Path script = work.resolve("archive.sh");
        Files.writeString(script, "#!/bin/sh\n"
                + "delay=$(head -n 1 " + killPlan + ")\n"
                + "[ -n \"$delay\" ] && sed -i 1d " + killPlan + "\n"
                + launcher.bin() + " " + repo.archiveArgs(CLUSTER) + " wal-push \"$1\" &\n"
                + "pid=$!\n"
                + "if [ -n \"$delay\" ]; then\n"
                + "  sleep \"$delay\"; comm=$(cat /proc/$pid/comm 2>/dev/null)\n"
                + "  if kill -9 \"$pid\" 2>/dev/null; then echo \"$1 killed $comm after $delay s\" >> " + killLog
                + "; else echo \"$1 finished before $delay s\" >> " + killLog + "; fi\n"
                + "fi\n"
                + "wait \"$pid\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    private static List<String> lines(Path file) throws IOException {
        return Files.readAllLines(file);
    }

    private void backup() {
        ok("--pg-port", port(), "--pgdata", primary.pgdata().toString(), "--jobs", "2", "backup");
    }

    private String port() {
        return Integer.toString(primary.port());
    }

    private PgCtl.Result run(String... args) {
        List<String> all = new ArrayList<>(repo.args(CLUSTER));
        all.addAll(List.of(args));
        return launcher.run(Map.of(), all.toArray(String[]::new));
    }

    private String ok(String... args) {
        PgCtl.Result r = run(args);
        assertThat(r.exitCode()).as("pgvault " + String.join(" ", args) + ":\n" + r.output()).isZero();
        return r.output();
    }

    private List<String> pgbenchCommand(String... args) {
        List<String> cmd = new ArrayList<>();
        if (PgCtl.isRoot()) {
            cmd.addAll(List.of("runuser", "-u", PgTestCluster.OS_USER, "--"));
        }
        cmd.addAll(List.of(primary.pgCtl().binDir().resolve("pgbench").toString(), "-h", "127.0.0.1", "-p", port(),
                "-U", "postgres"));
        cmd.addAll(List.of(args));
        cmd.add("postgres");
        return cmd;
    }

    private PgCtl.Result pgbench(String... args) {
        return new PgCtl(Path.of("/"), null).run(pgbenchCommand(args), Map.of(), Duration.ofMinutes(5));
    }
}
