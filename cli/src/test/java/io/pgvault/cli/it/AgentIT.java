package io.pgvault.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgvault.core.pg.PgCtl;
import io.pgvault.core.repo.Json;
import io.pgvault.core.repo.RepositoryLock;
import io.pgvault.core.testing.PgTestCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * `pgvault agent` end to end against a real server: seconds-level Quartz crons fire backups that appear in the
 * repository, `pgvault status` reports them, SIGTERM stops the agent cleanly, and the agent's backups and
 * cron-driven `pgvault backup` exclude each other through the repository lock. archive_command blocks while a hold
 * file exists, so a backup (waiting for its WAL) keeps the lock as long as the test wants.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentIT {

    private Path work;
    private Path hold;
    private Path stateDir;
    private RepoTarget repo;
    private Launcher launcher;
    private PgTestCluster server;
    private final Map<String, Process> started = new java.util.LinkedHashMap<>();

    @BeforeAll
    void prepare() throws Exception {
        work = PgTestCluster.workDirectory("pgvault-agent-");
        hold = work.resolve("hold-archiving");
        stateDir = work.resolve("state");
        repo = RepoTarget.filesystem(work);
        launcher = Launcher.get();
        server = PgTestCluster.start(work, "primary", "archive_mode = on\narchive_command = 'while [ -f " + hold
                + " ]; do sleep 0.2; done; " + launcher.bin() + " " + repo.archiveArgs("main") + " wal-push %p'\n",
                Map.of());
        PgCtl.Result init = run("init");
        assertThat(init.exitCode()).as(init.output()).isZero();
    }

    @AfterEach
    void stopProcesses() throws Exception {
        Files.deleteIfExists(hold);
        for (Map.Entry<String, Process> e : started.entrySet()) {
            Process p = e.getValue();
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
            System.out.println("----- " + e.getKey() + ".log\n" + log(e.getKey()));
        }
        started.clear();
    }

    @AfterAll
    void cleanUp() throws IOException {
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

    private PgCtl.Result run(String... args) {
        return launcher.run(Map.of(), args(args).toArray(String[]::new));
    }

    /** Starts pgvault in the background as the postgres OS user, output to work/NAME.log. */
    private Process start(String name, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (PgCtl.isRoot()) {
            cmd.addAll(List.of("runuser", "-u", PgTestCluster.OS_USER, "--"));
        }
        cmd.add(launcher.bin().toString());
        cmd.addAll(args(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(work.resolve(name + ".log").toFile()).start();
        started.put(name, p);
        return p;
    }

    /** Starts an agent backing up every 2 seconds (an earlier agent's status is removed first). */
    private Process startAgent(String name) throws IOException {
        Files.deleteIfExists(stateDir.resolve("agent-main.json"));
        return start(name, "agent", "--schedule-full", "*/2 * * * * ?", "--state-dir", stateDir.toString(),
                "--stop-timeout", "60", "--archive-timeout", "30");
    }

    private String log(String name) throws IOException {
        return Files.readString(work.resolve(name + ".log"));
    }

    private Path repoDir() {
        return Path.of(repo.url().substring("file://".length()));
    }

    private Optional<RepositoryLock.Holder> lock(String name) throws IOException {
        Path file = repoDir().resolve("main/locks/" + name + ".lock");
        try {
            return Optional.of(Json.mapper().readValue(Files.readAllBytes(file), RepositoryLock.Holder.class));
        } catch (java.nio.file.NoSuchFileException e) {
            return Optional.empty();
        }
    }

    private long manifests() throws IOException {
        Path backups = repoDir().resolve("main/backups");
        if (!Files.exists(backups)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(backups)) {
            return s.filter(p -> p.getFileName().toString().equals("manifest.json")).count();
        }
    }

    private JsonNode status() throws IOException {
        PgCtl.Result r = run("status", "--state-dir", stateDir.toString(), "--json");
        assertThat(r.exitCode()).as(r.output()).isZero();
        return Json.mapper().readTree(r.output());
    }

    private static JsonNode backupJob(JsonNode status) {
        return status.path("agent").path("jobs").get(0);
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

    private Optional<JsonNode> fileStatus() throws IOException {
        Path file = stateDir.resolve("agent-main.json");
        return Files.exists(file) ? Optional.of(Json.mapper().readTree(file.toFile())) : Optional.empty();
    }

    private long agentPid() throws Exception {
        await("agent status file", Duration.ofSeconds(120), () -> fileStatus().isPresent());
        return fileStatus().orElseThrow().path("pid").asLong();
    }

    private static void terminate(long pid) {
        PgCtl.Result r = new PgCtl(Path.of("/"), null).run(List.of("kill", "-TERM", Long.toString(pid)), Map.of(),
                Duration.ofSeconds(30));
        assertThat(r.exitCode()).as(r.output()).isZero();
    }

    private static boolean succeeded(JsonNode fileStatus) {
        JsonNode t = fileStatus.path("jobs").get(0).path("lastSuccess");
        return !t.isMissingNode() && !t.isNull();
    }

    private static boolean lastRun(JsonNode job, Predicate<JsonNode> test) {
        JsonNode run = job.path("lastRun");
        return !run.isMissingNode() && !run.isNull() && test.test(run);
    }

    @Test
    void scheduledBackupsAppearAndStatusShowsThemUntilSigterm() throws Exception {
        long before = manifests();
        Process agent = startAgent("agent-plain");
        long pid = agentPid();
        await("a backup by the agent", Duration.ofSeconds(180), () -> manifests() > before);
        await("the run recorded", Duration.ofSeconds(30), () -> fileStatus().map(s -> succeeded(s)).orElse(false));

        JsonNode s = status();
        assertThat(s.path("state").asText()).isEqualTo("running");
        assertThat(s.path("agent").path("pid").asLong()).isEqualTo(pid);
        assertThat(backupJob(s).path("schedule").asText()).isEqualTo("*/2 * * * * ?");
        assertThat(backupJob(s).path("lastRun").path("result").asText()).isEqualTo("ok");
        assertThat(backupJob(s).path("lastRun").path("message").asText()).startsWith("backup ");
        PgCtl.Result text = run("status", "--state-dir", stateDir.toString());
        assertThat(text.exitCode()).as(text.output()).isZero();
        assertThat(text.output()).contains("agent for cluster 'main': running, pid " + pid)
                .contains("backup   */2 * * * * ?").contains("ok after 0:00:");
        assertThat(run("list").output()).doesNotContain("no backups yet");

        Instant term = Instant.now();
        terminate(pid);
        assertThat(agent.waitFor(90, TimeUnit.SECONDS)).as(log("agent-plain")).isTrue();
        System.out.printf("agent stopped %d ms after SIGTERM%n", Duration.between(term, Instant.now()).toMillis());
        assertThat(log("agent-plain")).contains("agent started for cluster 'main'").contains("backup done in")
                .contains("agent stopped");
        JsonNode after = status();
        assertThat(after.path("state").asText()).isEqualTo("stopped");
        assertThat(backupJob(after).path("lastRun").path("result").asText()).isIn("ok", "failed");
        assertThat(lock("agent")).isEmpty();
        assertThat(lock("backup")).isEmpty();
        PgCtl.Result verify = run("verify");
        assertThat(verify.exitCode()).as(verify.output()).isZero();
    }

    @Test
    void agentAndCronDrivenBackupsExcludeEachOther() throws Exception {
        // 1. a cron-driven backup holds the lock: the agent's scheduled runs fail with exit 11, naming it
        Files.writeString(hold, "");
        Instant cronStart = Instant.now();
        Process cron = start("cron-first", "backup");
        await("the cron backup's lock", Duration.ofSeconds(120), () -> lock("backup")
                .filter(h -> h.since().isAfter(cronStart)).isPresent());
        long cronPid = lock("backup").orElseThrow().pid();
        Process agent = startAgent("agent-contended");
        long agentPid = agentPid();
        await("an agent run refused by the lock", Duration.ofSeconds(60), () -> fileStatus().map(s ->
                lastRun(s.path("jobs").get(0), r -> r.path("exitCode").asInt() == 11)).orElse(false));
        JsonNode refused = backupJob(status()).path("lastRun");
        assertThat(refused.path("result").asText()).isEqualTo("failed");
        assertThat(refused.path("message").asText()).contains("is locked by another backup").contains("pid " + cronPid);
        assertThat(run("status", "--state-dir", stateDir.toString()).output()).contains("failed (exit 11)");
        assertThat(lock("backup").orElseThrow().pid()).isEqualTo(cronPid);

        // 2. released: the cron backup finishes and the agent's next runs succeed
        Files.delete(hold);
        assertThat(cron.waitFor(180, TimeUnit.SECONDS)).isTrue();
        assertThat(cron.exitValue()).as(log("cron-first")).isZero();
        await("an agent backup", Duration.ofSeconds(180), () -> fileStatus().map(s -> succeeded(s)).orElse(false));

        // 3. the agent's backup holds the lock: a cron-driven backup exits 11 naming the agent, or waits for it
        Instant held = Instant.now();
        Files.writeString(hold, "");
        await("an agent backup blocked on archiving", Duration.ofSeconds(120), () -> lock("backup")
                .filter(h -> h.pid() == agentPid && h.since().isAfter(held)).isPresent());
        PgCtl.Result second = run("backup");
        assertThat(second.exitCode()).as(second.output()).isEqualTo(11);
        assertThat(second.output().strip()).startsWith("pgvault: cluster 'main' is locked by another backup (host ")
                .contains(" pid " + agentPid + " since ");
        Process waiter = start("cron-waiter", "backup", "--lock-wait", "300");
        Thread.sleep(2000);
        assertThat(waiter.isAlive()).as(log("cron-waiter")).isTrue();

        // 4. SIGTERM: no new runs, the running backup may finish (once archiving resumes), then the waiter's turn
        terminate(agentPid);
        Thread.sleep(1000);
        assertThat(agent.isAlive()).as("the agent waits for its running backup").isTrue();
        Files.delete(hold);
        assertThat(agent.waitFor(90, TimeUnit.SECONDS)).as(log("agent-contended")).isTrue();
        assertThat(waiter.waitFor(300, TimeUnit.SECONDS)).as(log("cron-waiter")).isTrue();
        assertThat(waiter.exitValue()).as(log("cron-waiter")).isZero();
        assertThat(log("agent-contended")).contains("backup failed (exit 11)").endsWith("agent stopped\n");
        JsonNode last = backupJob(status());
        assertThat(last.path("lastRun").path("result").asText()).as(last.toString()).isEqualTo("ok");
        assertThat(Instant.parse(last.path("lastRun").path("started").asText())).isAfter(held);
        assertThat(lock("backup")).isEmpty();
        assertThat(lock("agent")).isEmpty();
        PgCtl.Result verify = run("verify");
        assertThat(verify.exitCode()).as(verify.output()).isZero();
    }
}
