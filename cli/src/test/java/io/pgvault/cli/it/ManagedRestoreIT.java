package io.pgvault.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgvault.core.pg.PgCtl;
import io.pgvault.core.repo.Json;
import io.pgvault.core.testing.PgTestCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
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
 * Managed recovery through the launcher (run as postgres, as a real installation): restore --start --wait starts the
 * restored server, follows recovery and reports the point reached; the target actions promote, pause and shutdown;
 * --start alone returns once the server runs; a target recovery never reaches ends with exit 14 and one clear line;
 * a hole in the archived WAL is refused before anything is written.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ManagedRestoreIT {

    private static final String CLUSTER = "managed";

    private Path work;
    private RepoTarget repo;
    private Launcher launcher;
    private PgTestCluster primary;
    private List<LedgerWriter.Commit> commits;

    @BeforeAll
    void prepare() throws Exception {
        work = PgTestCluster.workDirectory("pgvault-managed-");
        repo = RepoTarget.filesystem(work);
        launcher = Launcher.get();
        primary = PgTestCluster.start(work, "primary", "archive_mode = on\narchive_command = '" + launcher.bin() + " "
                + repo.archiveArgs(CLUSTER) + " wal-push %p'\n", Map.of());
        ok("--pg-port", Integer.toString(primary.port()), "init");
        LedgerWriter.createTable(primary);
        ok("--pg-port", Integer.toString(primary.port()), "--pgdata", primary.pgdata().toString(), "backup");
        LedgerWriter writer = new LedgerWriter(primary);
        writer.start();
        Thread.sleep(3000);
        commits = writer.stopAndGet();
        assertThat(commits.size()).isGreaterThan(50);
        for (int i = 0; i < 3; i++) { // a few more segments, for the gap test
            primary.execute("INSERT INTO ledger (id) VALUES (" + (1_000_000 + i) + ")");
            primary.switchAndAwaitArchived(Duration.ofSeconds(60));
        }
    }

    @AfterAll
    void cleanUp() throws Exception {
        if (primary != null) {
            primary.stopImmediately();
        }
        SuiteOutput.keepLogs(work);
        PgTestCluster.deleteTree(work);
    }

    @Test
    void reachesTargetTimeAndReportsThePoint() throws Exception {
        int i = commits.size() / 2;
        LedgerWriter.Commit c = commits.get(i - 1);
        Instant t = between(c, commits.get(i));
        Path dir = work.resolve("to-time");
        int port = PgTestCluster.freePort();
        JsonNode out = json("--pgdata", dir.toString(), "restore", "--target-time", t.toString(), "--archive-mode",
                "off", "--port", Integer.toString(port), "--start", "--wait");
        try (PgTestCluster copy = PgTestCluster.existing(dir, port, Map.of())) {
            JsonNode server = out.get("server");
            assertThat(server.get("state").asText()).isEqualTo("promoted");
            assertThat(server.get("timeline").asLong()).isEqualTo(2);
            assertThat(server.get("parentTimeline").asLong()).isEqualTo(1);
            assertThat(server.get("port").asInt()).isEqualTo(port);
            assertThat(server.get("replayLsn").asText()).matches("[0-9A-F]+/[0-9A-F]+");
            assertThat(server.get("switchPoint").asText()).matches("[0-9A-F]+/[0-9A-F]+");
            Instant last = OffsetDateTime.parse(server.get("lastReplayedTransactionTime").asText()).toInstant();
            assertThat(last).isBeforeOrEqualTo(t).isAfterOrEqualTo(c.before());
            assertThat(copy.queryString("SELECT count(*) || ' ' || max(id) FROM ledger"))
                    .isEqualTo(c.id() + " " + c.id());
            assertThat(copy.queryString("SELECT pg_is_in_recovery()")).isEqualTo("f");
            assertThat(out.get("recoverySettings").get("port").asText()).isEqualTo(Integer.toString(port));
        }
    }

    @Test
    void pausesOrShutsDownAtTheTarget() throws Exception {
        int i = commits.size() / 3;
        LedgerWriter.Commit c = commits.get(i - 1);
        String t = between(c, commits.get(i)).toString();
        Path dir = work.resolve("actions");
        int port = PgTestCluster.freePort();
        JsonNode down = json("--pgdata", dir.toString(), "restore", "--target-time", t, "--target-action", "shutdown",
                "--archive-mode", "off", "--port", Integer.toString(port), "--start", "--wait").get("server");
        assertThat(down.get("state").asText()).isEqualTo("shut down");
        assertThat(down.get("timeline").asLong()).isEqualTo(1);
        assertThat(down.get("stopReason").asText()).startsWith("recovery stopping before commit");
        assertThat(dir.resolve("postmaster.pid")).doesNotExist();

        JsonNode paused = json("--pgdata", dir.toString(), "restore", "--delta", "--target-time", t,
                "--target-action", "pause", "--archive-mode", "off", "--port", Integer.toString(port), "--start",
                "--wait").get("server");
        try (PgTestCluster copy = PgTestCluster.existing(dir, port, Map.of())) {
            assertThat(paused.get("state").asText()).isEqualTo("paused");
            assertThat(copy.queryString("SELECT pg_is_in_recovery()")).isEqualTo("t");
            assertThat(copy.queryLong("SELECT count(*) FROM ledger")).isEqualTo(c.id());
        }
    }

    @Test
    void startWithoutWaitReturnsOnceTheServerRuns() throws Exception {
        Path dir = work.resolve("no-wait");
        int port = PgTestCluster.freePort();
        LedgerWriter.Commit c = commits.get(19);
        String out = ok("--pgdata", dir.toString(), "restore", "--target-time", between(c, commits.get(20)).toString(),
                "--archive-mode", "off", "--port", Integer.toString(port), "--start");
        try (PgTestCluster copy = PgTestCluster.existing(dir, port, Map.of())) {
            assertThat(out).containsPattern("server started \\(pid \\d+, port " + port + "\\), recovering to time ");
            copy.awaitPromotion(Duration.ofMinutes(2));
            assertThat(copy.queryLong("SELECT count(*) FROM ledger")).isEqualTo(20);
        }
    }

    @Test
    void targetThatNeverComesEndsWithExit14() throws Exception {
        long xid = primary.queryLong("SELECT txid_current()") + 1_000_000;
        Path dir = work.resolve("never");
        int port = PgTestCluster.freePort();
        long start = System.nanoTime();
        PgCtl.Result r = run("--pgdata", dir.toString(), "restore", "--target-xid", Long.toString(xid),
                "--archive-mode", "off", "--port", Integer.toString(port), "--start", "--wait");
        System.out.printf("managed run to an xid that never comes: exit %d after %.1fs%n", r.exitCode(),
                (System.nanoTime() - start) / 1e9);
        assertThat(r.exitCode()).as(r.output()).isEqualTo(14);
        assertThat(r.output().strip().lines().count()).as(r.output()).isEqualTo(1);
        assertThat(r.output()).contains("recovery ended at ").contains("before reaching transaction " + xid)
                .doesNotContain("Exception");
        assertThat(dir.resolve("postmaster.pid")).doesNotExist();
    }

    @Test
    void gapInTheArchiveIsRefusedBeforeWriting() throws Exception {
        Path gapRepo = work.resolve("repo-gap");
        copyTree(Path.of(repo.url().substring("file://".length())), gapRepo);
        String lastSegment = primary.queryString("SELECT pg_walfile_name(pg_current_wal_lsn() - 1)");
        String hole = String.format("%s%08X", lastSegment.substring(0, 16),
                Long.parseLong(lastSegment.substring(16), 16) - 2);
        try (Stream<Path> s = Files.walk(gapRepo)) {
            List<Path> victim = s.filter(p -> p.getFileName().toString().startsWith(hole + ".")).toList();
            assertThat(victim).hasSize(1);
            Files.delete(victim.get(0));
        }
        Path dir = work.resolve("gap");
        PgCtl.Result r = launcher.run(Map.of(), "--repo", "file://" + gapRepo, "--cluster", CLUSTER, "--pgdata",
                dir.toString(), "restore", "--archive-mode", "off", "--start", "--wait");
        assertThat(r.exitCode()).as(r.output()).isEqualTo(4);
        assertThat(r.output()).contains("the archive has a gap: WAL " + hole + " is missing");
        assertThat(dir).doesNotExist();
    }

    /** A time halfway between one commit's return and the next one's start. */
    static Instant between(LedgerWriter.Commit c, LedgerWriter.Commit next) {
        return c.after().plus(Duration.between(c.after(), next.before()).dividedBy(2));
    }

    private PgCtl.Result run(String... args) {
        List<String> all = new ArrayList<>(repo.args(CLUSTER));
        all.addAll(List.of(args));
        return launcher.run(Map.of(), all.toArray(String[]::new));
    }

    private String ok(String... args) {
        PgCtl.Result r = run(args);
        assertThat(r.exitCode()).as(String.join(" ", args) + "\n" + r.output()).isZero();
        return r.output();
    }

    private JsonNode json(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--json"));
        all.addAll(List.of(args));
        return Json.mapper().readTree(ok(all.toArray(String[]::new)));
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
                PgTestCluster.chownToPostgres(target);
            }
        }
    }
}
