package io.pgvault.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgvault.core.pg.PgCtl;
import io.pgvault.core.repo.Json;
import io.pgvault.core.testing.PgTestCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Standby resync against real servers: pgvault standby builds a hot standby that streams from its primary; the
 * standby is stopped while the primary runs under load and its WAL advances by more than 20 segments, which the
 * primary recycles (small max_wal_size, wal_keep_size = 0, checkpoints) so it can no longer serve them; restarted,
 * the standby catches up from the archive through pgvault's restore_command and reaches the primary's position.
 * Then standby --delta resyncs it in place. The password in primary_conninfo is written but never printed.
 */
@Tag("integration")
class StandbyIT {

    private static final String CLUSTER = "standby";
    private static final String PASSWORD = "s3cret-pw";

    private RepoTarget repo;
    private Launcher launcher;

    @Test
    void catchesUpFromTheArchiveAfterThePrimaryRecycledItsWal() throws Exception {
        Path work = PgTestCluster.workDirectory("pgvault-standby-");
        repo = RepoTarget.filesystem(work);
        launcher = Launcher.get();
        PgTestCluster primary = PgTestCluster.start(work, "primary", "archive_mode = on\narchive_command = '"
                + launcher.bin() + " " + repo.archiveArgs(CLUSTER) + " wal-push %p'\nmax_wal_size = 32MB\n"
                + "min_wal_size = 32MB\nwal_keep_size = 0\n", Map.of());
        Path dir = work.resolve("standby");
        int port = PgTestCluster.freePort();
        PgTestCluster standby = PgTestCluster.existing(dir, port, Map.of());
        try {
            ok("--pg-port", Integer.toString(primary.port()), "init");
            assertThat(pgbench(primary, "-i", "-s", "1", "-q").exitCode()).isZero();
            primary.execute("CREATE TABLE marks (id int)");
            ok("--pg-port", Integer.toString(primary.port()), "--pgdata", primary.pgdata().toString(), "backup");

            String conninfo = "host=127.0.0.1 port=" + primary.port() + " user=postgres password=" + PASSWORD
                    + " application_name=s1";
            String built = ok("--pgdata", dir.toString(), "standby", "--primary-conninfo", conninfo, "--port",
                    Integer.toString(port), "--start");
            assertThat(built).contains("built standby in " + dir).contains("password=********")
                    .contains("standby started").doesNotContain(PASSWORD);
            assertThat(Files.readString(dir.resolve("postgresql.auto.conf"))).contains("password=" + PASSWORD)
                    .contains("recovery_target_timeline = 'latest'");
            assertThat(dir.resolve("standby.signal")).exists();
            awaitStreaming(primary);

            standby.stop();
            String stoppedAt = primary.queryString("SELECT pg_walfile_name(pg_current_wal_lsn())");
            advanceWalUnderLoad(primary, 19);
            primary.switchAndAwaitArchived(Duration.ofSeconds(120));
            primary.execute("CHECKPOINT", "SELECT pg_switch_wal()", "CHECKPOINT");
            String now = primary.queryString("SELECT pg_walfile_name(pg_current_wal_lsn())");
            assertThat(segment(now) - segment(stoppedAt)).as(stoppedAt + " .. " + now).isGreaterThanOrEqualTo(20);
            assertThat(primary.pgdata().resolve("pg_wal").resolve(stoppedAt)).as("recycled by the primary")
                    .doesNotExist();
            assertThat(primary.pgdata().resolve("pg_wal").resolve(next(stoppedAt))).doesNotExist();
            String target = primary.queryString("SELECT pg_current_wal_lsn()");
            primary.switchAndAwaitArchived(Duration.ofSeconds(60));

            long start = System.nanoTime();
            standby.startServer();
            awaitReplay(standby, target, Duration.ofMinutes(2));
            System.out.printf("standby caught up %d segments in %.1fs%n", segment(now) - segment(stoppedAt),
                    (System.nanoTime() - start) / 1e9);
            assertThat(Files.readString(work.resolve("standby.log"))).contains("restored log file \"" + next(stoppedAt)
                    + "\" from archive");
            assertThat(standby.queryLong("SELECT count(*) FROM marks")).isEqualTo(primary.queryLong(
                    "SELECT count(*) FROM marks"));
            String check = ok("--pgdata", dir.toString(), "standby", "--check");
            assertThat(check).contains("is on timeline 1");

            standby.stop();
            primary.execute("INSERT INTO marks SELECT g FROM generate_series(1, 1000) g", "CHECKPOINT");
            JsonNode resync = Json.mapper().readTree(ok("--json", "--pgdata", dir.toString(), "standby", "--delta",
                    "--primary-conninfo", conninfo, "--port", Integer.toString(port), "--start"));
            assertThat(resync.toString()).doesNotContain(PASSWORD);
            assertThat(resync.get("recoverySettings").get("primary_conninfo").asText()).contains("password=********");
            assertThat(resync.get("delta").get("unchanged").asInt()).isGreaterThan(resync.get("delta")
                    .get("rewritten").asInt());
            assertThat(resync.get("server").get("state").asText()).isEqualTo("started");
            String after = primary.queryString("SELECT pg_current_wal_lsn()");
            awaitReplay(standby, after, Duration.ofMinutes(2));
            assertThat(standby.queryLong("SELECT count(*) FROM marks")).isEqualTo(primary.queryLong(
                    "SELECT count(*) FROM marks"));
        } finally {
            standby.stopImmediately();
            primary.stopImmediately();
            SuiteOutput.keepLogs(work);
            PgTestCluster.deleteTree(work);
        }
    }

    /** pgbench writes while a loop inserts marks and switches WAL: the WAL moves on by at least that many segments. */
    private static void advanceWalUnderLoad(PgTestCluster primary, int switches) throws Exception {
        Thread load = new Thread(() -> pgbench(primary, "-n", "-c", "2", "-j", "1", "-R", "100", "-T", "8"));
        load.start();
        for (int i = 0; i < switches; i++) {
            primary.execute("INSERT INTO marks VALUES (" + i + ")", "SELECT pg_switch_wal()");
            Thread.sleep(150);
        }
        load.join();
    }

    private static PgCtl.Result pgbench(PgTestCluster c, String... args) {
        List<String> cmd = new ArrayList<>(List.of(c.pgCtl().binDir().resolve("pgbench").toString(), "-h",
                "127.0.0.1", "-p", Integer.toString(c.port()), "-U", "postgres"));
        cmd.addAll(List.of(args));
        cmd.add("postgres");
        return c.pgCtl().run(cmd, Map.of(), Duration.ofMinutes(3));
    }

    private static void awaitStreaming(PgTestCluster primary) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            if (primary.queryLong("SELECT count(*) FROM pg_stat_replication WHERE application_name = 's1' "
                    + "AND state = 'streaming'") == 1) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the standby did not start streaming within 2 minutes");
    }

    private static void awaitReplay(PgTestCluster standby, String lsn, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = standby.queryString("SELECT pg_last_wal_replay_lsn()");
                if ("t".equals(standby.queryString("SELECT pg_last_wal_replay_lsn() >= '" + lsn + "'::pg_lsn"))) {
                    return;
                }
            } catch (java.sql.SQLException starting) {
                // not accepting connections yet
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the standby replayed up to " + last + ", not " + lsn + ", within " + timeout);
    }

    private static long segment(String walFile) {
        return Long.parseLong(walFile.substring(8, 16), 16) * 256 + Long.parseLong(walFile.substring(16), 16);
    }

    private static String next(String walFile) {
        long n = segment(walFile) + 1;
        return walFile.substring(0, 8) + String.format("%08X%08X", n / 256, n % 256);
    }

    private String ok(String... args) {
        List<String> all = new ArrayList<>(repo.args(CLUSTER));
        all.addAll(List.of(args));
        PgCtl.Result r = launcher.run(Map.of(), all.toArray(String[]::new));
        assertThat(r.exitCode()).as(String.join(" ", args) + "\n" + r.output()).isZero();
        return r.output();
    }
}
