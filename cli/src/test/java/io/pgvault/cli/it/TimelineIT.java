package io.pgvault.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgvault.core.pg.PgCtl;
import io.pgvault.core.repo.Json;
import io.pgvault.core.testing.PgTestCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Timelines against real servers. A primary on timeline 1 is backed up and written to (rows A, then B after T1); a
 * copy restored to T1 promotes to timeline 2 and archives into the same repository (archive-mode preserve), and is
 * written to (rows C, then D after T2). Then: info shows both timelines and where 2 branched off; a restore to a point
 * on timeline 1 after the branch gets exactly A+B, one to a point on timeline 2 exactly A+C; the old primary is told
 * it must be rebuilt (exit 15) while a standby built from the backup can follow; and standby --delta rebuilds the old
 * primary as a standby of the new one, on timeline 2.
 */
@Tag("integration")
class TimelineIT {

    private static final String CLUSTER = "tl";

    private RepoTarget repo;
    private Launcher launcher;

    @Test
    void restoresOnEitherTimelineAndRebuildsTheOldPrimary() throws Exception {
        Path work = PgTestCluster.workDirectory("pgvault-timeline-");
        repo = RepoTarget.filesystem(work);
        launcher = Launcher.get();
        PgTestCluster primary = PgTestCluster.start(work, "primary", "archive_mode = on\narchive_command = '"
                + launcher.bin() + " " + repo.archiveArgs(CLUSTER) + " wal-push %p'\n", Map.of());
        int copyPort = PgTestCluster.freePort();
        PgTestCluster copy = PgTestCluster.existing(work.resolve("copy"), copyPort, Map.of());
        List<PgTestCluster> others = new ArrayList<>();
        try {
            ok("--pg-port", Integer.toString(primary.port()), "init");
            primary.execute("CREATE TABLE rows (id int PRIMARY KEY, tl int NOT NULL)");
            ok("--pg-port", Integer.toString(primary.port()), "--pgdata", primary.pgdata().toString(), "backup");
            primary.execute(insert(1, 50, 1));                                  // A
            Instant t1 = pause();
            primary.execute(insert(51, 100, 1));                                // B, only on timeline 1
            Instant t1b = pause();
            primary.execute(insert(101, 110, 1));
            primary.switchAndAwaitArchived(Duration.ofSeconds(60));

            JsonNode promoted = json("--pgdata", copy.pgdata().toString(), "restore", "--target-time", t1.toString(),
                    "--port", Integer.toString(copyPort), "--start", "--wait").get("server");
            assertThat(promoted.get("timeline").asLong()).isEqualTo(2);
            String switchPoint = promoted.get("switchPoint").asText();
            copy.execute(insert(1001, 1050, 2));                                // C
            Instant t2 = pause();
            copy.execute(insert(1051, 1060, 2));                                // D, after T2
            copy.switchAndAwaitArchived(Duration.ofSeconds(60));

            JsonNode info = json("info");
            assertThat(info.get("timelines").toString()).contains("{\"timeline\":1}")
                    .contains("{\"timeline\":2,\"parent\":1,\"switchPoint\":\"" + switchPoint + "\"");
            assertThat(ok("info")).containsPattern("timeline 1\\s+timeline 2  branched off timeline 1 at "
                    + switchPoint);

            JsonNode onOne = restoreAndCount(work, "on-1", others, "--target-time", t1b.toString(),
                    "--target-timeline", "1");
            assertThat(onOne.get("rows").asText()).isEqualTo("100 rows: 100 on tl1, 0 on tl2, max 100");
            assertThat(onOne.get("server").get("parentTimeline").asLong()).isEqualTo(1);
            JsonNode onTwo = restoreAndCount(work, "on-2", others, "--target-time", t2.toString());
            assertThat(onTwo.get("rows").asText()).isEqualTo("100 rows: 50 on tl1, 50 on tl2, max 1050");
            assertThat(onTwo.get("server").get("parentTimeline").asLong()).isEqualTo(2);
            assertThat(onTwo.get("server").get("timeline").asLong()).isEqualTo(3);

            Path fresh = work.resolve("fresh-standby");
            ok("--pgdata", fresh.toString(), "standby", "--primary-conninfo", "host=127.0.0.1 port=" + copyPort);
            assertThat(ok("--pgdata", fresh.toString(), "standby", "--check")).contains("it can follow timeline 2");

            primary.stop();
            PgCtl.Result diverged = run("--pgdata", primary.pgdata().toString(), "standby", "--check");
            assertThat(diverged.exitCode()).as(diverged.output()).isEqualTo(15);
            assertThat(diverged.output()).contains("past where timeline 2 branched off at " + switchPoint)
                    .contains("must be rebuilt");

            String rebuilt = ok("--pgdata", primary.pgdata().toString(), "standby", "--delta", "--primary-conninfo",
                    "host=127.0.0.1 port=" + copyPort + " user=postgres application_name=old", "--start");
            assertThat(rebuilt).contains("delta: ").contains("standby started");
            awaitStreaming(copy, Duration.ofMinutes(2));
            String target = copy.queryString("SELECT pg_current_wal_lsn()");
            long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
            while (!"t".equals(primary.queryString("SELECT pg_last_wal_replay_lsn() >= '" + target + "'"))) {
                assertThat(System.nanoTime()).as("old primary replays the new timeline").isLessThan(deadline);
                Thread.sleep(200);
            }
            assertThat(count(primary)).isEqualTo("110 rows: 50 on tl1, 60 on tl2, max 1060");
            assertThat(ok("--pgdata", primary.pgdata().toString(), "standby", "--check")).contains("is on timeline 2");
        } finally {
            others.forEach(PgTestCluster::stopImmediately);
            copy.stopImmediately();
            primary.stopImmediately();
            SuiteOutput.keepLogs(work);
            PgTestCluster.deleteTree(work);
        }
    }

    /** Restores with --start --wait, counts the rows, and returns the JSON report with the count added. */
    private JsonNode restoreAndCount(Path work, String name, List<PgTestCluster> servers, String... target)
            throws Exception {
        Path dir = work.resolve(name);
        int port = PgTestCluster.freePort();
        List<String> args = new ArrayList<>(List.of("--pgdata", dir.toString(), "restore", "--archive-mode", "off",
                "--port", Integer.toString(port), "--start", "--wait"));
        args.addAll(List.of(target));
        JsonNode out = json(args.toArray(String[]::new));
        PgTestCluster server = PgTestCluster.existing(dir, port, Map.of());
        servers.add(server);
        ((com.fasterxml.jackson.databind.node.ObjectNode) out).put("rows", count(server));
        server.stopImmediately();
        return out;
    }

    private static String count(PgTestCluster c) throws Exception {
        return c.queryString("SELECT count(*) || ' rows: ' || count(*) FILTER (WHERE tl = 1) || ' on tl1, ' "
                + "|| count(*) FILTER (WHERE tl = 2) || ' on tl2, max ' || max(id) FROM rows");
    }

    private static String insert(int from, int to, int tl) {
        return "INSERT INTO rows SELECT g, " + tl + " FROM generate_series(" + from + ", " + to + ") g";
    }

    /** A moment strictly between the commits before and after it. */
    private static Instant pause() throws InterruptedException {
        Thread.sleep(300);
        Instant t = Instant.now();
        Thread.sleep(300);
        return t;
    }

    private static void awaitStreaming(PgTestCluster primary, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (primary.queryLong("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'") > 0) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no standby streaming from the new primary within " + timeout);
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
}
