package io.pgvault.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgvault.core.pg.PgCtl;
import io.pgvault.core.repo.Json;
import io.pgvault.core.testing.PgTestCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * WAL streaming end to end: servers with archive_mode off, `pgvault agent --wal-mode stream` receiving their WAL over
 * a replication slot, a base backup whose WAL arrives only by streaming, then (1) a disaster — server and agent
 * killed with SIGKILL two seconds after a commit — restored to the end of the archive with the commit there, and
 * (2) a server restart while the agent streams: no gap, every commit before and after it restored.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StreamIT {

    private Path work;
    private RepoTarget repo;
    private Launcher launcher;
    private final Map<String, Process> started = new LinkedHashMap<>();
    private final List<PgTestCluster> servers = new ArrayList<>();

    @BeforeAll
    void prepare() throws Exception {
        work = PgTestCluster.workDirectory("pgvault-stream-");
        repo = RepoTarget.filesystem(work);
        launcher = Launcher.get();
    }

    @AfterEach
    void stopProcesses() throws Exception {
        for (Map.Entry<String, Process> e : started.entrySet()) {
            Process p = e.getValue();
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
            System.out.println("----- " + e.getKey() + ".log\n" + Files.readString(work.resolve(e.getKey() + ".log")));
        }
        started.clear();
        for (PgTestCluster s : servers) {
            try {
                s.stopImmediately();
            } catch (RuntimeException alreadyDead) {
                // killed by the test
            }
        }
        servers.clear();
    }

    @AfterAll
    void cleanUp() throws IOException {
        PgTestCluster.deleteTree(work);
    }

    private PgTestCluster server(String name) throws IOException {
        PgTestCluster s = PgTestCluster.start(work, name, "archive_mode = off\n", Map.of());
        servers.add(s);
        return s;
    }

    private List<String> args(String cluster, PgTestCluster server, String... extra) {
        List<String> all = new ArrayList<>(repo.args(cluster));
        all.addAll(List.of("--pg-port", Integer.toString(server.port()), "--pgdata", server.pgdata().toString(),
                "--jobs", "1"));
        all.addAll(List.of(extra));
        return all;
    }

    private String ok(List<String> args) {
        return launcher.ok(Map.of(), args.toArray(String[]::new));
    }

    /**
     * Starts a streaming agent whose only backup runs once, 12 s from now (Quartz cron with a year), as postgres.
     */
    private Process startAgent(String name, String cluster, PgTestCluster server) throws IOException {
        ZonedDateTime at = ZonedDateTime.now().plusSeconds(12);
        String once = at.getSecond() + " " + at.getMinute() + " " + at.getHour() + " " + at.getDayOfMonth() + " "
                + at.getMonthValue() + " ? " + at.getYear();
        List<String> cmd = new ArrayList<>();
        if (PgCtl.isRoot()) {
            cmd.addAll(List.of("runuser", "-u", PgTestCluster.OS_USER, "--"));
        }
        cmd.add(launcher.bin().toString());
        cmd.addAll(args(cluster, server, "agent", "--wal-mode", "stream", "--schedule-full", once,
                "--state-dir", stateDir(cluster).toString(), "--stream-partial-interval", "1",
                "--stream-status-interval", "2", "--archive-timeout", "120"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(work.resolve(name + ".log").toFile()).start();
        started.put(name, p);
        return p;
    }

    private Path stateDir(String cluster) {
        return work.resolve("state-" + cluster);
    }

    private JsonNode agentStatus(String cluster) throws IOException {
        Path file = stateDir(cluster).resolve("agent-" + cluster + ".json");
        return Files.exists(file) ? Json.mapper().readTree(file.toFile()) : Json.mapper().createObjectNode();
    }

    private long manifests(String cluster) throws IOException {
        Path backups = Path.of(repo.url().substring("file://".length())).resolve(cluster).resolve("backups");
        if (!Files.exists(backups)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(backups)) {
            return s.filter(p -> p.getFileName().toString().equals("manifest.json")).count();
        }
    }

    private interface Check {
        boolean holds() throws Exception;
    }

    private static void await(String what, Duration timeout, Check check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!check.holds()) {
            assertThat(System.nanoTime()).as(what + " within " + timeout).isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    /** Streams, and takes a backup whose WAL only streaming delivers. */
    private Process streamingWithBackup(String cluster, PgTestCluster server) throws Exception {
        ok(args(cluster, server, "init"));
        Process agent = startAgent("agent-" + cluster, cluster, server);
        await("the agent streaming", Duration.ofSeconds(60), () -> "streaming".equals(agentStatus(cluster)
                .path("stream").path("state").asText()));
        await("a backup taken with archive_mode off", Duration.ofSeconds(180), () -> manifests(cluster) > 0
                && agentStatus(cluster).path("jobs").get(0).path("lastRun").has("result"));
        JsonNode job = agentStatus(cluster).path("jobs").get(0).path("lastRun");
        assertThat(job.path("result").asText()).as(job.toString()).isEqualTo("ok");
        server.execute("CREATE TABLE ledger (id int PRIMARY KEY, at timestamptz DEFAULT clock_timestamp())");
        return agent;
    }

    private static void kill9(long pid) {
        PgCtl.Result r = new PgCtl(Path.of("/"), null).run(List.of("kill", "-9", Long.toString(pid)), Map.of(),
                Duration.ofSeconds(10));
        assertThat(r.exitCode()).as(r.output()).isZero();
    }

    private static long postmasterPid(PgTestCluster server) throws IOException {
        return Long.parseLong(Files.readAllLines(server.pgdata().resolve("postmaster.pid")).get(0).strip());
    }

    /** Restores the end of the archive into a new directory, starts it, returns the ledger's ids in order. */
    private List<Long> restoreLatest(String cluster, String name) throws Exception {
        Path dir = work.resolve(name);
        List<String> a = new ArrayList<>(repo.args(cluster));
        a.addAll(List.of("--pgdata", dir.toString(), "--jobs", "1", "restore", "--archive-mode", "off"));
        ok(a);
        int port = PgTestCluster.freePort();
        Files.writeString(dir.resolve("postgresql.auto.conf"), "port = " + port + "\n", StandardOpenOption.APPEND);
        PgTestCluster copy = PgTestCluster.existing(dir, port, Map.of());
        servers.add(copy);
        copy.startServer();
        copy.awaitPromotion(Duration.ofMinutes(3));
        List<Long> ids = new ArrayList<>();
        try (var c = copy.connect(); var st = c.createStatement();
             var rs = st.executeQuery("SELECT id FROM ledger ORDER BY id")) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }

    @Test
    void aCommitTwoSecondsOldSurvivesKillingServerAndAgent() throws Exception {
        PgTestCluster server = server("disaster");
        streamingWithBackup("disaster", server);
        server.execute("INSERT INTO ledger (id) VALUES (1)");
        java.time.Instant committed = java.time.Instant.now();
        Thread.sleep(2000);
        long agentPid = agentStatus("disaster").path("pid").asLong();
        kill9(postmasterPid(server));
        kill9(agentPid);
        started.get("agent-disaster").waitFor(30, TimeUnit.SECONDS);

        String info = ok(new ArrayList<>(repo.args("disaster")) {{ add("info"); }});
        assertThat(info).contains("(partial, streaming)").contains("partial: streamed up to");
        JsonNode window = Json.mapper().readTree(ok(new ArrayList<>(repo.args("disaster")) {{
            add("info");
            add("--json");
        }})).path("recoverableWindow");
        assertThat(window.path("latestPartial").asBoolean()).isTrue();
        java.time.Instant uploaded = java.time.Instant.parse(window.path("latest").asText());
        assertThat(uploaded).as("the .partial holding the commit was uploaded after it").isAfter(committed);
        System.out.printf("commit returned -> its WAL in the repository (.partial upload): %d ms%n",
                Duration.between(committed, uploaded).toMillis());
        assertThat(restoreLatest("disaster", "restored-disaster")).as("ledger rows after the disaster")
                .containsExactly(1L);
        System.out.println(info);
    }

    @Test
    void aServerRestartWhileStreamingLeavesNoGap() throws Exception {
        PgTestCluster server = server("restart");
        Process agent = streamingWithBackup("restart", server);
        for (int i = 1; i <= 50; i++) {
            server.execute("INSERT INTO ledger (id) VALUES (" + i + ")");
        }
        server.execute("SELECT pg_switch_wal()");
        server.stop();
        Thread.sleep(3000);
        server.startServer();
        await("the stream resumed", Duration.ofSeconds(60), () -> agentStatus("restart").path("stream")
                .path("reconnects").asLong() > 0 && "streaming".equals(agentStatus("restart").path("stream")
                .path("state").asText()));
        for (int i = 51; i <= 100; i++) {
            server.execute("INSERT INTO ledger (id) VALUES (" + i + ")");
        }
        String end = server.queryString("SELECT pg_current_wal_lsn()::text");
        await("everything streamed to the repository", Duration.ofSeconds(60), () -> {
            String flushed = agentStatus("restart").path("stream").path("flushed").asText("0/0");
            return io.pgvault.core.pg.Lsn.parse(flushed).compareTo(io.pgvault.core.pg.Lsn.parse(end)) >= 0;
        });

        JsonNode stream = agentStatus("restart").path("stream");
        assertThat(stream.path("lastError").asText()).isNotEmpty(); // the disconnect
        assertThat(stream.path("lagSeconds").asLong()).isLessThan(5);
        assertThat(stream.path("retainedBytes").asLong()).isPositive();
        PgCtl.Result status = launcher.run(Map.of(), args("restart", server, "status", "--state-dir",
                stateDir("restart").toString()).toArray(String[]::new));
        assertThat(status.output()).contains("WAL streaming through slot pgvault_restart: streaming on timeline 1")
                .contains("1 reconnects");
        long agentPid = agentStatus("restart").path("pid").asLong();
        new PgCtl(Path.of("/"), null).run(List.of("kill", "-TERM", Long.toString(agentPid)), Map.of(),
                Duration.ofSeconds(10));
        assertThat(agent.waitFor(90, TimeUnit.SECONDS)).isTrue();
        String log = Files.readString(work.resolve("agent-restart.log"));
        assertThat(log).contains("WAL streaming disconnected").contains("WAL streaming resumed from")
                .contains("created physical replication slot pgvault_restart");

        JsonNode info = Json.mapper().readTree(ok(new ArrayList<>(repo.args("restart")) {{
            add("info");
            add("--json");
        }}));
        assertThat(info.path("wal")).as("one run of consecutive segments: " + info.path("wal")).hasSize(1);
        PgCtl.Result verify = launcher.run(Map.of(), args("restart", server, "verify").toArray(String[]::new));
        assertThat(verify.exitCode()).as(verify.output()).isZero();
        List<Long> expected = new ArrayList<>();
        for (long i = 1; i <= 100; i++) {
            expected.add(i);
        }
        server.stopImmediately();
        assertThat(restoreLatest("restart", "restored-restart")).containsExactlyElementsOf(expected);
    }

    @Test
    void inModeBothArchiveCommandAndStreamingStoreTheSameSegmentsWithoutConflict() throws Exception {
        PgTestCluster server = PgTestCluster.start(work, "both", "archive_mode = on\narchive_command = '"
                + launcher.bin() + " " + repo.archiveArgs("both") + " wal-push %p'\n", Map.of());
        servers.add(server);
        ok(args("both", server, "init"));
        List<String> cmd = new ArrayList<>();
        if (PgCtl.isRoot()) {
            cmd.addAll(List.of("runuser", "-u", PgTestCluster.OS_USER, "--"));
        }
        cmd.add(launcher.bin().toString());
        cmd.addAll(args("both", server, "agent", "--wal-mode", "both", "--state-dir", stateDir("both").toString()));
        started.put("agent-both", new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(work.resolve("agent-both.log").toFile()).start());
        await("the agent streaming", Duration.ofSeconds(60), () -> "streaming".equals(agentStatus("both")
                .path("stream").path("state").asText()));
        server.execute("CREATE TABLE t (x int)");
        for (int i = 0; i < 6; i++) {
            server.execute("INSERT INTO t SELECT generate_series(1, 20000)", "SELECT pg_switch_wal()");
        }
        server.switchAndAwaitArchived(Duration.ofSeconds(120));
        String end = server.queryString("SELECT pg_current_wal_lsn()::text");
        await("streamed as far", Duration.ofSeconds(60), () -> io.pgvault.core.pg.Lsn.parse(agentStatus("both")
                .path("stream").path("flushed").asText("0/0")).compareTo(io.pgvault.core.pg.Lsn.parse(end)) >= 0);
        JsonNode stream = agentStatus("both").path("stream");
        assertThat(stream.path("segmentsStored").asLong()).as(stream.toString()).isGreaterThanOrEqualTo(6);
        assertThat(stream.path("lastError").isNull() || stream.path("lastError").isMissingNode())
                .as("no conflict or failure: " + stream).isTrue();
        assertThat(server.queryLong("SELECT failed_count FROM pg_stat_archiver")).isZero();
        PgCtl.Result verify = launcher.run(Map.of(), args("both", server, "verify").toArray(String[]::new));
        assertThat(verify.exitCode()).as(verify.output()).isZero();
    }
}
