package io.pgvault.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgvault.core.pg.PgCtl;
import io.pgvault.core.repo.Json;
import io.pgvault.core.repo.RepositoryLock;
import io.pgvault.core.testing.PgTestCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * One backup at a time per cluster, end to end: concurrent `pgvault backup` processes against a real server. The
 * server's archive_command blocks while a hold file exists, so a backup stays running (waiting for its WAL, holding
 * the lock) exactly as long as the test wants.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LockIT {

    private Path work;
    private Path hold;
    private RepoTarget repo;
    private Launcher launcher;
    private PgTestCluster server;

    @BeforeAll
    void prepare() throws Exception {
        work = PgTestCluster.workDirectory("pgvault-lock-");
        hold = work.resolve("hold-archiving");
        repo = RepoTarget.filesystem(work);
        launcher = Launcher.get();
        server = PgTestCluster.start(work, "primary", "archive_mode = on\narchive_command = 'while [ -f " + hold
                + " ]; do sleep 0.2; done; " + launcher.bin() + " " + repo.archiveArgs("main") + " wal-push %p'\n",
                Map.of());
        ok("--pg-port", port(), "init");
    }

    @AfterAll
    void cleanUp() throws IOException {
        if (hold != null) {
            Files.deleteIfExists(hold);
        }
        if (server != null) {
            server.stopImmediately();
        }
        SuiteOutput.keepLogs(work);
        PgTestCluster.deleteTree(work);
    }

    private String port() {
        return Integer.toString(server.port());
    }

    private List<String> args(String... extra) {
        List<String> all = new ArrayList<>(repo.args("main"));
        all.addAll(List.of("--pg-port", port(), "--pgdata", server.pgdata().toString(), "--jobs", "1"));
        all.addAll(List.of(extra));
        return all;
    }

    private String ok(String... args) {
        List<String> all = new ArrayList<>(repo.args("main"));
        all.addAll(List.of(args));
        PgCtl.Result r = launcher.run(Map.of(), all.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.output()).isZero();
        return r.output();
    }

    /** Starts `pgvault backup ...` in the background as the postgres OS user, output to a log file. */
    private Process startBackup(String name, String... extra) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (PgCtl.isRoot()) {
            cmd.addAll(List.of("runuser", "-u", PgTestCluster.OS_USER, "--"));
        }
        cmd.add(launcher.bin().toString());
        // --push-wal false: the backup must wait for the held archive_command, not push its WAL itself
        cmd.addAll(args("backup", "--push-wal", "false"));
        cmd.addAll(List.of(extra));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(work.resolve(name + ".log").toFile())
                .start();
    }

    private String log(String name) throws IOException {
        return Files.readString(work.resolve(name + ".log"));
    }

    private Path lockFile() {
        return Path.of(repo.url().substring("file://".length()), "main", "locks", "backup.lock");
    }

    private RepositoryLock.Holder awaitLock(Process holder, String name) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(lockFile())) {
            assertThat(holder.isAlive()).as("backup ended before taking the lock: " + log(name)).isTrue();
            assertThat(System.nanoTime()).as("lock never taken").isLessThan(deadline);
            Thread.sleep(100);
        }
        return Json.mapper().readValue(lockFile().toFile(), RepositoryLock.Holder.class);
    }

    private int backups() {
        return (int) ok("list").lines().filter(l -> l.matches("^\\d{8}T\\d{6}F.*")).count();
    }

    private static int finish(Process p) throws InterruptedException {
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("process did not finish").isTrue();
        return p.exitValue();
    }

    @Test
    void concurrentBackupFailsWithTheHolderNamedOrWaitsForIt() throws Exception {
        int before = backups();
        Files.writeString(hold, "");
        Process first = startBackup("first");
        RepositoryLock.Holder holder = awaitLock(first, "first");
        assertThat(holder.purpose()).isEqualTo("backup");
        assertThat(holder.pid()).isPositive();

        long started = System.nanoTime();
        List<String> second = args("backup");
        PgCtl.Result refused = launcher.run(Map.of(), second.toArray(String[]::new));
        assertThat(refused.exitCode()).as(refused.output()).isEqualTo(11);
        assertThat(refused.output().strip()).hasLineCount(1)
                .startsWith("pgvault: cluster 'main' is locked by another backup (host " + holder.host() + " pid "
                        + holder.pid() + " since " + holder.since())
                .contains("--lock-wait SECONDS");
        System.out.printf("refused in %d ms: %s%n", (System.nanoTime() - started) / 1_000_000, refused.output());

        Process waiter = startBackup("waiter", "--lock-wait", "300");
        Thread.sleep(3000);
        assertThat(waiter.isAlive()).as("waiter should still wait: " + log("waiter")).isTrue();
        assertThat(first.isAlive()).isTrue();

        Files.delete(hold);
        assertThat(finish(first)).as(log("first")).isZero();
        assertThat(finish(waiter)).as(log("waiter")).isZero();
        assertThat(log("first")).contains("done");
        assertThat(log("waiter")).contains("done");
        assertThat(backups()).isEqualTo(before + 2);
        assertThat(lockFile()).doesNotExist();
    }

    @Test
    void lockOfAKilledBackupDoesNotBlockTheNextOne() throws Exception {
        int before = backups();
        Files.writeString(hold, "");
        Process victim = startBackup("victim");
        RepositoryLock.Holder holder = awaitLock(victim, "victim");
        PgCtl.Result kill = new PgCtl(Path.of("/"), null).run(List.of("kill", "-9", Long.toString(holder.pid())),
                Map.of(), Duration.ofSeconds(30));
        assertThat(kill.exitCode()).as(kill.output()).isZero();
        finish(victim);
        assertThat(lockFile()).as("the killed backup cannot release its lock").exists();
        Files.delete(hold);

        Process next = startBackup("next");
        assertThat(finish(next)).as(log("next")).isZero();
        assertThat(log("next")).contains("breaking stale lock main/locks/backup.lock of host " + holder.host()
                + " pid " + holder.pid());
        assertThat(backups()).isEqualTo(before + 1);
        assertThat(lockFile()).doesNotExist();
    }
}
