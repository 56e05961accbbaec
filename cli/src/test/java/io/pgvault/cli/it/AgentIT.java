package io.pgvault.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgvault.core.pg.PgCtl;
import io.pgvault.core.repo.Json;
import io.pgvault.core.repo.RepositoryLock;
import io.pgvault.core.testing.PgTestCluster;
import java.io.IOException;
import java.sql.Connection;
import java.sql.Statement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
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
        SuiteOutput.keepLogs(work);
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

    /** Starts pgvault (with the main server's arguments) in the background as the postgres OS user. */
    private Process start(String name, String... args) throws IOException {
        return startWith(name, args(args));
    }

    /** Starts pgvault with exactly these arguments in the background as postgres, output to work/NAME.log. */
    private Process startWith(String name, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (PgCtl.isRoot()) {
            cmd.addAll(List.of("runuser", "-u", PgTestCluster.OS_USER, "--"));
        }
        cmd.add(launcher.bin().toString());
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(work.resolve(name + ".log").toFile()).start();
        started.put(name, p);
        return p;
    }

    /** Starts an agent backing up every 2 seconds (an earlier agent's status is removed first). */
    private Process startAgent(String name, String... extra) throws IOException {
        Files.deleteIfExists(stateDir.resolve("agent-main.json"));
        List<String> a = new ArrayList<>(List.of("agent", "--schedule-full", "*/2 * * * * ?", "--state-dir",
                stateDir.toString(), "--stop-timeout", "60", "--archive-timeout", "30"));
        a.addAll(List.of(extra));
        return start(name, a.toArray(String[]::new));
    }

    /** GET http://127.0.0.1:port/path: the status code and body. */
    private static Map.Entry<Integer, String> get(int port, String path) throws Exception {
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(10)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        return Map.entry(r.statusCode(), r.body());
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
        int httpPort = PgTestCluster.freePort();
        Process agent = startAgent("agent-plain", "--http-port", Integer.toString(httpPort));
        long pid = agentPid();
        await("a backup by the agent", Duration.ofSeconds(180), () -> manifests() > before);
        await("the run recorded", Duration.ofSeconds(30), () -> fileStatus().map(s -> succeeded(s)).orElse(false));

        // the HTTP endpoints: Prometheus metrics, the JSON status, health
        Map.Entry<Integer, String> metrics = get(httpPort, "/metrics");
        assertThat(metrics.getKey()).isEqualTo(200);
        assertThat(metrics.getValue()).contains("# TYPE pgvault_backup_last_completion_timestamp_seconds gauge")
                .containsPattern("(?m)^pgvault_backup_last_completion_timestamp_seconds\\{type=\"full\"\\} 1[0-9.]+$")
                .containsPattern("(?m)^pgvault_backup_last_stored_bytes\\{type=\"full\"\\} [1-9][0-9]*$")
                .containsPattern("(?m)^pgvault_job_runs_total\\{job=\"backup\",result=\"ok\"\\} [1-9][0-9]*$")
                .containsPattern("(?m)^pgvault_archive_lag_segments [0-9]+$")
                .contains("pgvault_agent_up 1");
        Map.Entry<Integer, String> health = get(httpPort, "/health");
        assertThat(health.getKey()).as(health.getValue()).isEqualTo(200);
        assertThat(Json.mapper().readTree(health.getValue()).path("status").asText()).isEqualTo("ok");
        JsonNode httpStatus = Json.mapper().readTree(get(httpPort, "/status").getValue());
        assertThat(httpStatus.path("pid").asLong()).isEqualTo(pid);
        assertThat(httpStatus.path("cluster").asText()).isEqualTo("main");

        JsonNode s = status();
        assertThat(s.path("state").asText()).isEqualTo("running");
        assertThat(s.path("agent").path("pid").asLong()).isEqualTo(pid);
        assertThat(backupJob(s).path("schedule").asText()).isEqualTo("*/2 * * * * ?");
        assertThat(backupJob(s).path("lastRun").path("result").asText()).isEqualTo("ok");
        assertThat(backupJob(s).path("lastRun").path("message").asText()).matches("full backup \\d{8}T\\d{6}F: .*");
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
    void scheduledExpireAppliesTheConfiguredRetention() throws Exception {
        PgCtl.Result noRetention = run("agent", "--schedule-expire", "0 0 1 * * ?", "--state-dir",
                stateDir.toString());
        assertThat(noRetention.exitCode()).as(noRetention.output()).isEqualTo(3);
        assertThat(noRetention.output()).contains("schedule-expire needs a retention");

        Files.deleteIfExists(stateDir.resolve("agent-main.json"));
        // backups every 15 s leave the lock free between them (back-to-back backups could starve the waiting expire)
        Process agent = start("agent-expire", "agent", "--schedule-full", "*/15 * * * * ?", "--schedule-expire",
                "*/5 * * * * ?", "--retain-full", "1", "--lock-wait", "60", "--state-dir", stateDir.toString(),
                "--archive-timeout", "30");
        long pid = agentPid();
        await("an expire run by the agent that removed backups", Duration.ofSeconds(240), () -> fileStatus()
                .map(s -> expireRun(s).map(r -> r.path("result").asText().equals("ok")
                        && r.path("message").asText().startsWith("removed ")
                        && !r.path("message").asText().startsWith("removed 0 backups")).orElse(false))
                .orElse(false));
        assertThat(expireRun(fileStatus().orElseThrow()).orElseThrow().path("message").asText())
                .contains("(retention: 1 full backup)").contains("recoverable window");
        terminate(pid);
        assertThat(agent.waitFor(90, TimeUnit.SECONDS)).as(log("agent-expire")).isTrue();
        assertThat(log("agent-expire")).contains("expire");

        // the same retention from the environment, as every setting can come (PGVAULT_RETAIN_FULL)
        PgCtl.Result fromEnv = launcher.run(Map.of("PGVAULT_RETAIN_FULL", "1"), args("expire").toArray(String[]::new));
        assertThat(fromEnv.exitCode()).as(fromEnv.output()).isZero();
        assertThat(fromEnv.output()).contains("retention: 1 full backup");
        JsonNode backups = Json.mapper().readTree(run("--json", "list").output());
        assertThat(backups.size()).isEqualTo(1);
        PgCtl.Result verify = run("verify");
        assertThat(verify.exitCode()).as(verify.output()).isZero();
    }

    /** The last run of the agent's expire job, from its status file. */
    private static Optional<JsonNode> expireRun(JsonNode fileStatus) {
        for (JsonNode job : fileStatus.path("jobs")) {
            if (job.path("name").asText().equals("expire") && !job.path("lastRun").isMissingNode()
                    && !job.path("lastRun").isNull()) {
                return Optional.of(job.path("lastRun"));
            }
        }
        return Optional.empty();
    }

    @Test
    void agentAndCronDrivenBackupsExcludeEachOther() throws Exception {
        // 1. a cron-driven backup holds the lock: the agent's scheduled runs fail with exit 11, naming it
        Files.writeString(hold, "");
        Instant cronStart = Instant.now();
        // --push-wal false: the backup must wait for the held archive_command, not push its WAL itself
        Process cron = start("cron-first", "backup", "--push-wal", "false");
        await("the cron backup's lock", Duration.ofSeconds(120), () -> lock("backup")
                .filter(h -> h.since().isAfter(cronStart)).isPresent());
        long cronPid = lock("backup").orElseThrow().pid();
        // --push-wal false: the agent's backup in step 3 must wait for the held archive_command
        Process agent = startAgent("agent-contended", "--push-wal", "false");
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
    // ---- the JVM-free archive path: bin/pgvault-wal-push and the agent's spool ----

    /** The script next to a fake `pgvault` that records its arguments and exits with $FAKE_EXIT. */
    private Path scriptWithFakeLauncher() throws IOException {
        Path bin = Files.createDirectories(work.resolve("fake-bin"));
        Files.copy(launcher.bin().resolveSibling("pgvault-wal-push"), bin.resolve("pgvault-wal-push"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(bin.resolve("pgvault"), "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$FAKE_LOG\"\n"
                + "exit ${FAKE_EXIT:-0}\n");
        for (Path p : List.of(bin.resolve("pgvault"), bin.resolve("pgvault-wal-push"))) {
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return bin.resolve("pgvault-wal-push");
    }

    private record ScriptRun(int exit, List<String> fallbackArgs, long millis) {
    }

    private ScriptRun script(Path script, Map<String, String> env, String... args) throws Exception {
        Path fakeLog = work.resolve("fake.log");
        Files.deleteIfExists(fakeLog);
        List<String> cmd = new ArrayList<>(List.of(script.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(work.resolve("script.out").toFile());
        pb.environment().remove("PGVAULT_SPOOL");
        pb.environment().remove("PGVAULT_CONFIG");
        pb.environment().put("FAKE_LOG", fakeLog.toString());
        pb.environment().putAll(env);
        long t0 = System.nanoTime();
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        long millis = (System.nanoTime() - t0) / 1_000_000;
        return new ScriptRun(p.exitValue(), Files.exists(fakeLog) ? Files.readAllLines(fakeLog) : null, millis);
    }

    private static String identity(Path file) throws Exception {
        return new PgCtl(Path.of("/"), null).run(List.of("stat", "-L", "-c", "%s %Y %i", file.toString()), Map.of(),
                Duration.ofSeconds(10)).output().strip();
    }

    @Test
    void walPushScriptTrustsOnlyAMatchingOkAndOtherwisePushesSynchronously() throws Exception {
        Path script = scriptWithFakeLauncher();
        Path spool = Files.createDirectories(work.resolve("script-spool"));
        Path wal = work.resolve("000000010000000000000042");
        Files.writeString(wal, "segment");
        String name = wal.getFileName().toString();
        Path ok = spool.resolve(name + ".ok");

        ScriptRun noSpool = script(script, Map.of("FAKE_EXIT", "8"), "--config", "/dev/null", "--repo", "file:///r",
                wal.toString());
        assertThat(noSpool.exit()).as("the synchronous push's exit code").isEqualTo(8);
        assertThat(noSpool.fallbackArgs()).containsExactly("wal-push", "--config", "/dev/null", "--repo",
                "file:///r", wal.toString());

        Files.writeString(ok, identity(wal) + "\n");
        ScriptRun fast = script(script, Map.of(), "--spool", spool.toString(), "--repo", "file:///r", wal.toString());
        assertThat(fast.exit()).isZero();
        assertThat(fast.fallbackArgs()).as("no JVM on the fast path").isNull();

        Path config = work.resolve("wal-push.yaml");
        Files.writeString(config, "repo: file:///r\nspool: \"" + spool + "\"   # the agent's spool\n");
        assertThat(script(script, Map.of(), "--config", config.toString(), wal.toString()).fallbackArgs())
                .as("spool from the config file").isNull();
        assertThat(script(script, Map.of("PGVAULT_SPOOL", spool.toString()), wal.toString()).fallbackArgs())
                .as("spool from PGVAULT_SPOOL").isNull();

        Files.writeString(ok, "7 1600000000 12345\n");
        ScriptRun stale = script(script, Map.of(), "--spool=" + spool, "--wait", "5", wal.toString());
        assertThat(stale.fallbackArgs()).as("an .ok naming another file is not trusted")
                .containsExactly("wal-push", wal.toString());

        Files.writeString(spool.resolve("agent.pid"), "999999999\n");
        ScriptRun deadAgent = script(script, Map.of(), "--spool", spool.toString(), wal.toString());
        assertThat(deadAgent.fallbackArgs()).isNotNull();
        assertThat(deadAgent.millis()).isLessThan(3000);

        Process agent = new ProcessBuilder("sleep", "60").start();
        try {
            Files.writeString(spool.resolve("agent.pid"), agent.pid() + "\n");
            Thread writer = new Thread(() -> {
                try {
                    Thread.sleep(700);
                    Files.writeString(ok, identity(wal) + "\n");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Files.delete(ok);
            writer.start();
            ScriptRun waited = script(script, Map.of(), "--spool", spool.toString(), wal.toString());
            writer.join();
            assertThat(waited.exit()).isZero();
            assertThat(waited.fallbackArgs()).as("waited for the agent's .ok").isNull();
            assertThat(waited.millis()).isGreaterThanOrEqualTo(700);

            Files.delete(ok);
            ScriptRun timedOut = script(script, Map.of(), "--spool", spool.toString(), "--wait", "1",
                    wal.toString());
            assertThat(timedOut.fallbackArgs()).containsExactly("wal-push", wal.toString());
            assertThat(timedOut.millis()).isGreaterThanOrEqualTo(1000);

            Files.writeString(spool.resolve(name + ".error"), "conflict\n");
            ScriptRun failed = script(script, Map.of("FAKE_EXIT", "8"), "--spool", spool.toString(), wal.toString());
            assertThat(failed.exit()).isEqualTo(8);
            assertThat(failed.millis()).as("an agent failure is not waited out").isLessThan(3000);
        } finally {
            agent.destroyForcibly();
        }
        assertThat(script(script, Map.of(), "--spool").exit()).isEqualTo(2);
    }

    /** A server with 1 MiB WAL segments whose archive_command is the script, for cluster "fast". */
    private PgTestCluster fastArchivingServer(Path spool) throws Exception {
        PgCtl pgCtl = new PgCtl(PgCtl.findBinDir(System.getenv("PGVAULT_IT_PG_BIN")), PgTestCluster.OS_USER);
        Path pgdata = work.resolve("fast");
        pgCtl.initdb(pgdata, List.of("-k", "-U", "postgres", "--auth=trust", "-E", "UTF8", "--wal-segsize=1"));
        int port = PgTestCluster.freePort();
        Files.writeString(pgdata.resolve("postgresql.conf"), "\nport = " + port + "\nlisten_addresses = '127.0.0.1'"
                + "\nunix_socket_directories = '" + work + "'\nwal_level = replica\nmax_wal_size = 256MB"
                + "\ncheckpoint_timeout = 30min\narchive_mode = on\narchive_command = '"
                + launcher.bin().resolveSibling("pgvault-wal-push") + " --spool " + spool + " --wait 20 "
                + repo.archiveArgs("fast") + " %p'\n", java.nio.file.StandardOpenOption.APPEND);
        PgTestCluster fast = PgTestCluster.existing(pgdata, port, Map.of());
        fast.startServer();
        return fast;
    }

    private List<String> fastArgs(PgTestCluster fast, String... extra) {
        List<String> all = new ArrayList<>(repo.args("fast"));
        all.addAll(List.of("--pg-port", Integer.toString(fast.port()), "--pgdata", fast.pgdata().toString()));
        all.addAll(List.of(extra));
        return all;
    }

    private Set<String> archivedNames(String cluster) throws IOException {
        Path wal = repoDir().resolve(cluster).resolve("wal");
        Set<String> names = new TreeSet<>();
        if (Files.exists(wal)) {
            try (Stream<Path> s = Files.walk(wal)) {
                s.filter(Files::isRegularFile).map(p -> p.getFileName().toString())
                        .filter(n -> !n.startsWith("."))
                        .forEach(n -> names.add(n.substring(0, n.lastIndexOf('.'))));
            }
        }
        return names;
    }

    private static Set<String> statusFiles(PgTestCluster server, String suffix) throws IOException {
        Set<String> names = new TreeSet<>();
        try (Stream<Path> s = Files.list(server.pgdata().resolve("pg_wal/archive_status"))) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(suffix))
                    .forEach(n -> names.add(n.substring(0, n.length() - suffix.length())));
        }
        return names;
    }

    /** Every file PostgreSQL has been told is archived must be in the repository already. */
    private void assertDoneIsArchived(PgTestCluster server) throws IOException {
        Set<String> done = statusFiles(server, ".done");
        Set<String> archived = archivedNames("fast");
        assertThat(archived).as("marked .done but not in the repository").containsAll(done);
    }

    private String switches(PgTestCluster server, int n) throws Exception {
        String last = null;
        try (Connection c = server.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS load (x int, pad text)");
            for (int i = 0; i < n; i++) {
                st.execute("INSERT INTO load SELECT g, repeat('x', 200) FROM generate_series(1, 2000) g");
                try (var rs = st.executeQuery("SELECT pg_walfile_name(pg_switch_wal())")) {
                    rs.next();
                    last = rs.getString(1);
                }
                if (i % 5 == 4) {
                    assertDoneIsArchived(server);
                }
            }
        }
        return last;
    }

    private long pushedBy(Path state) throws IOException {
        JsonNode s = Json.mapper().readTree(state.resolve("agent-fast.json").toFile());
        return s.path("archiver").path("pushed").asLong();
    }

    @Test
    void agentArchivesAheadAndNothingIsMarkedDoneBeforeItIsStoredEvenWhenTheAgentIsKilled() throws Exception {
        Path spool = work.resolve("spool");
        Path state = work.resolve("state-fast");
        PgTestCluster fast = fastArchivingServer(spool);
        try {
            assertThat(launcher.run(Map.of(), fastArgs(fast, "init").toArray(String[]::new)).exitCode()).isZero();
            long t0 = System.nanoTime();
            Process first = startWith("agent-fast-1", fastArgs(fast, "agent", "--spool", spool.toString(),
                    "--state-dir", state.toString(), "--archive-jobs", "3"));
            await("the agent archiving", Duration.ofSeconds(60), () -> Files.exists(spool.resolve("agent.pid"))
                    && Files.exists(state.resolve("agent-fast.json")));

            switches(fast, 20);
            await("pushes by the agent", Duration.ofSeconds(60), () -> pushedBy(state) >= 5);
            long firstPid = Json.mapper().readTree(state.resolve("agent-fast.json").toFile()).path("pid").asLong();
            new PgCtl(Path.of("/"), null).run(List.of("kill", "-9", Long.toString(firstPid)), Map.of(),
                    Duration.ofSeconds(10));
            first.waitFor(30, TimeUnit.SECONDS);
            assertDoneIsArchived(fast);

            switches(fast, 10); // the script pushes synchronously meanwhile
            Process second = startWith("agent-fast-2", fastArgs(fast, "agent", "--spool", spool.toString(),
                    "--state-dir", state.toString(), "--archive-jobs", "3"));
            await("the agent restarted", Duration.ofSeconds(60), () -> Json.mapper()
                    .readTree(state.resolve("agent-fast.json").toFile()).path("pid").asLong() != firstPid);
            String last = switches(fast, 20);

            await("the archive caught up", Duration.ofSeconds(240), () -> statusFiles(fast, ".ready").isEmpty()
                    && fast.queryString("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver")
                            .compareTo(last) >= 0);
            System.out.printf("50 segments under load, agent killed and restarted: %d ms%n",
                    (System.nanoTime() - t0) / 1_000_000);
            assertDoneIsArchived(fast);
            assertThat(statusFiles(fast, ".done")).hasSizeGreaterThanOrEqualTo(50);
            assertThat(pushedBy(state)).as("the restarted agent archived ahead").isPositive();
            System.out.println("archiver: " + fast.queryString("SELECT archived_count || ' archived, '"
                    + " || failed_count || ' failed' FROM pg_stat_archiver"));

            PgCtl.Result verify = launcher.run(Map.of(), fastArgs(fast, "verify").toArray(String[]::new));
            assertThat(verify.exitCode()).as(verify.output()).isZero();

            terminate(Json.mapper().readTree(state.resolve("agent-fast.json").toFile()).path("pid").asLong());
            assertThat(second.waitFor(90, TimeUnit.SECONDS)).as(log("agent-fast-2")).isTrue();
            assertThat(spool.resolve("agent.pid")).as("removed on a clean stop").doesNotExist();
            assertThat(log("agent-fast-2")).contains("archiving WAL ahead of archive_command");
        } finally {
            fast.stopImmediately();
        }
    }
}
