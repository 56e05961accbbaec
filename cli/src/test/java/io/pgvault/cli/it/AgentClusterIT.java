package io.pgvault.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgvault.core.pg.PgCtl;
import io.pgvault.core.repo.Json;
import io.pgvault.core.testing.PgTestCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Two agents of one cluster sharing a schedule through Quartz's clustered JDBC job store on PostgreSQL (the tables
 * pgvault creates): each scheduled backup fires on one agent only (a double firing would lose the backup lock and
 * fail with exit 11), and when the agent that ran the latest backup is killed with SIGKILL, the other one takes the
 * next backups.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentClusterIT {

    private static final Pattern STARTED = Pattern.compile("(?m)^(\\S+) backup started$");

    private Path work;
    private RepoTarget repo;
    private Launcher launcher;
    private PgTestCluster server;
    private final Map<String, Process> agents = new LinkedHashMap<>();

    @BeforeAll
    void prepare() throws Exception {
        work = PgTestCluster.workDirectory("pgvault-agent-cluster-");
        repo = RepoTarget.filesystem(work);
        launcher = Launcher.get();
        server = PgTestCluster.start(work, "primary", "archive_mode = on\narchive_command = '" + launcher.bin() + " "
                + repo.archiveArgs("main") + " wal-push %p'\n", Map.of());
        launcher.ok(Map.of(), args("init").toArray(String[]::new));
    }

    @AfterAll
    void cleanUp() throws Exception {
        for (Map.Entry<String, Process> e : agents.entrySet()) {
            e.getValue().descendants().forEach(ProcessHandle::destroyForcibly);
            e.getValue().destroyForcibly();
            e.getValue().waitFor(30, TimeUnit.SECONDS);
            System.out.println("----- " + e.getKey() + ".log\n" + log(e.getKey()));
        }
        if (server != null) {
            server.stopImmediately();
        }
        PgTestCluster.deleteTree(work);
    }

    private List<String> args(String... extra) {
        List<String> all = new ArrayList<>(repo.args("main"));
        all.addAll(List.of("--pg-port", Integer.toString(server.port()), "--pgdata", server.pgdata().toString(),
                "--jobs", "1"));
        all.addAll(List.of(extra));
        return all;
    }

    private void startAgent(String name) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (PgCtl.isRoot()) {
            cmd.addAll(List.of("runuser", "-u", PgTestCluster.OS_USER, "--"));
        }
        cmd.add(launcher.bin().toString());
        cmd.addAll(args("agent", "--schedule-full", "*/4 * * * * ?", "--state-dir", work.resolve("state-" + name)
                .toString(), "--job-store", "jdbc:postgresql://127.0.0.1:" + server.port() + "/postgres?user=postgres",
                "--job-store-checkin", "1", "--archive-timeout", "60"));
        agents.put(name, new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(work.resolve(name + ".log").toFile()).start());
    }

    private String log(String name) throws IOException {
        Path f = work.resolve(name + ".log");
        return Files.exists(f) ? Files.readString(f) : "";
    }

    /** When each backup run started on an agent, from its event lines. */
    private List<Instant> starts(String name) throws IOException {
        List<Instant> out = new ArrayList<>();
        Matcher m = STARTED.matcher(log(name));
        while (m.find()) {
            out.add(Instant.parse(m.group(1)));
        }
        return out;
    }

    private long manifests() throws IOException {
        Path backups = Path.of(repo.url().substring("file://".length())).resolve("main/backups");
        if (!Files.exists(backups)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(backups)) {
            return s.filter(p -> p.getFileName().toString().equals("manifest.json")).count();
        }
    }

    private long agentPid(String name) throws Exception {
        Path status = work.resolve("state-" + name).resolve("agent-main.json");
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!Files.exists(status)) {
            assertThat(System.nanoTime()).as(name + " status file").isLessThan(deadline);
            Thread.sleep(200);
        }
        JsonNode s = Json.mapper().readTree(status.toFile());
        return s.path("pid").asLong();
    }

    @Test
    void eachBackupFiresOnceAndTheSurvivorTakesOver() throws Exception {
        startAgent("a");
        startAgent("b");
        long pidA = agentPid("a");
        long pidB = agentPid("b");
        assertThat(pidA).isNotEqualTo(pidB);

        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (manifests() < 4) {
            assertThat(System.nanoTime()).as("4 scheduled backups within 3 minutes\n" + log("a") + log("b"))
                    .isLessThan(deadline);
            Thread.sleep(500);
        }
        String both = log("a") + log("b");
        assertThat(both).as("a job fired on both agents at once would fail on the backup lock")
                .doesNotContain("failed (exit 11)");
        assertThat(log("a")).contains("schedule shared with the cluster's other agents");
        List<Instant> a = starts("a");
        List<Instant> b = starts("b");
        System.out.printf("backups started: agent a %d, agent b %d%n", a.size(), b.size());
        List<Instant> all = new ArrayList<>(a);
        all.addAll(b);
        assertThat(all).as("no fire time ran on both agents").doesNotHaveDuplicates();

        // kill -9 the agent that started the latest backup (mid-schedule, maybe mid-backup)
        Instant lastA = a.isEmpty() ? Instant.MIN : a.get(a.size() - 1);
        Instant lastB = b.isEmpty() ? Instant.MIN : b.get(b.size() - 1);
        String victim = lastA.isAfter(lastB) ? "a" : "b";
        String survivor = victim.equals("a") ? "b" : "a";
        long victimPid = victim.equals("a") ? pidA : pidB;
        new PgCtl(Path.of("/"), null).run(List.of("kill", "-KILL", Long.toString(victimPid)), Map.of(),
                Duration.ofSeconds(30));
        agents.get(victim).waitFor(30, TimeUnit.SECONDS);
        Instant killed = Instant.now();
        int survivorRunsBefore = starts(survivor).size();
        long manifestsAtKill = manifests();

        deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (starts(survivor).stream().filter(t -> !t.isBefore(killed.minusSeconds(1))).count() < 2
                || manifests() < manifestsAtKill + 2) {
            assertThat(System.nanoTime()).as("agent " + survivor + " takes the next backups after agent " + victim
                    + " was killed\n" + log(survivor)).isLessThan(deadline);
            Thread.sleep(500);
        }
        System.out.printf("agent %s killed; agent %s had %d runs, now %d%n", victim, survivor, survivorRunsBefore,
                starts(survivor).size());
        server.execute("SELECT count(*) FROM pgvault_qrtz_locks");

        long survivorPid = survivor.equals("a") ? pidA : pidB;
        new PgCtl(Path.of("/"), null).run(List.of("kill", "-TERM", Long.toString(survivorPid)), Map.of(),
                Duration.ofSeconds(30));
        assertThat(agents.get(survivor).waitFor(120, TimeUnit.SECONDS)).as(log(survivor)).isTrue();
        PgCtl.Result verify = launcher.run(Map.of(), args("verify").toArray(String[]::new));
        assertThat(verify.exitCode()).as(verify.output()).isZero();
    }
}
