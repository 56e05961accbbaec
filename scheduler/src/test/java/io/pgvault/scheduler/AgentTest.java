package io.pgvault.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.backup.BackupSettings;
import io.pgvault.core.pg.PgConnectionSettings;
import io.pgvault.core.repo.BackupType;
import io.pgvault.core.repo.Repository;
import io.pgvault.core.stream.Codec;
import io.pgvault.core.repo.RepositoryLock;
import io.pgvault.scheduler.AgentStatus.JobRun;
import io.pgvault.scheduler.AgentStatus.JobStatus;
import io.pgvault.storage.InMemoryStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quartz.CronTrigger;

class AgentTest {

    @TempDir
    Path stateDir;

    private final InMemoryStorage storage = new InMemoryStorage();
    private final Repository repository = new Repository(storage, "main");
    private final List<String> events = Collections.synchronizedList(new ArrayList<>());
    private final List<Agent> agents = new ArrayList<>();

    @AfterEach
    void stopAll() {
        agents.forEach(a -> a.stop(Duration.ZERO));
    }

    /** A job whose runs are counted and whose body the test chooses. */
    static final class TestJob implements AgentJob {
        final String name;
        final Supplier<JobOutcome> body;
        final AtomicInteger runs = new AtomicInteger();
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger mostAtOnce = new AtomicInteger();

        TestJob(String name, Supplier<JobOutcome> body) {
            this.name = name;
            this.body = body;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public JobOutcome run() {
            mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
            try {
                return body.get();
            } finally {
                running.decrementAndGet();
                runs.incrementAndGet();
            }
        }
    }

    private Agent start(JobSchedule... schedules) {
        Agent agent = new Agent(repository, List.of(schedules), new StatusFile(stateDir, "main"), events::add);
        agent.start();
        agents.add(agent);
        return agent;
    }

    private AgentStatus fileStatus() {
        return new StatusFile(stateDir, "main").read().orElseThrow();
    }

    private static JobStatus job(AgentStatus s, String name) {
        return s.jobs().stream().filter(j -> j.name().equals(name)).findFirst().orElseThrow();
    }

    private static void await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition not met within " + timeout).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private static Supplier<JobOutcome> sleeping(long millis, JobOutcome outcome) {
        return () -> {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return outcome;
        };
    }

    @Test
    void secondsLevelCronRunsTheJobAndRecordsEachRun() throws Exception {
        TestJob job = new TestJob("backup", () -> JobOutcome.ok("backup 20261121T010000F"));
        Agent agent = start(new JobSchedule(job, "* * * * * ?", true));

        AgentStatus first = fileStatus();
        assertThat(first.pid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(first.stopped()).isNull();
        assertThat(job(first, "backup").schedule()).isEqualTo("* * * * * ?");
        assertThat(job(first, "backup").nextRun()).isAfter(first.started().minusSeconds(1));

        await(() -> job.runs.get() >= 2, Duration.ofSeconds(15));
        await(() -> job(fileStatus(), "backup").lastRun() != null
                && JobRun.OK.equals(job(fileStatus(), "backup").lastRun().result()), Duration.ofSeconds(5));
        JobStatus s = job(fileStatus(), "backup");
        assertThat(s.lastRun().exitCode()).isZero();
        assertThat(s.lastRun().message()).isEqualTo("backup 20261121T010000F");
        assertThat(s.lastSuccess()).isEqualTo(s.lastRun().finished());
        assertThat(s.nextRun()).isAfter(s.lastRun().started());
        assertThat(events).anyMatch(e -> e.startsWith("backup done in 0s: backup 20261121T010000F"));

        agent.stop(Duration.ofSeconds(5));
        AgentStatus stopped = fileStatus();
        assertThat(stopped.stopped()).isNotNull();
        assertThat(job(stopped, "backup").nextRun()).isNull();
        int runs = job.runs.get();
        Thread.sleep(1500);
        assertThat(job.runs.get()).as("no runs after stop").isEqualTo(runs);
        assertThat(RepositoryLock.read(storage, RepositoryLock.key(repository.layout(), Agent.LOCK))).isEmpty();
    }

    @Test
    void failuresAreRecordedWithTheirExitCodes() throws Exception {
        TestJob locked = new TestJob("backup", () -> {
            throw new PgVaultException(ErrorCode.LOCKED, "cluster 'main' is locked by another backup");
        });
        TestJob broken = new TestJob("verify", () -> {
            throw new IllegalStateException("boom");
        });
        start(new JobSchedule(locked, "* * * * * ?", true), new JobSchedule(broken, "* * * * * ?", false));
        await(() -> {
            AgentStatus s = fileStatus();
            return job(s, "backup").lastRun() != null && job(s, "backup").lastRun().finished() != null
                    && job(s, "verify").lastRun() != null && job(s, "verify").lastRun().finished() != null;
        }, Duration.ofSeconds(15));
        AgentStatus s = fileStatus();
        assertThat(job(s, "backup").lastRun().result()).isEqualTo(JobRun.FAILED);
        assertThat(job(s, "backup").lastRun().exitCode()).isEqualTo(11);
        assertThat(job(s, "backup").lastRun().message()).isEqualTo("cluster 'main' is locked by another backup");
        assertThat(job(s, "backup").lastSuccess()).isNull();
        assertThat(job(s, "verify").lastRun().exitCode()).isEqualTo(70);
        assertThat(job(s, "verify").lastRun().message()).contains("boom");
        assertThat(events).anyMatch(e -> e.startsWith("backup failed (exit 11) after 0s: cluster 'main' is locked"));
    }

    @Test
    void aJobNeverOverlapsItself() throws Exception {
        TestJob slow = new TestJob("backup", sleeping(2200, JobOutcome.ok("slow")));
        start(new JobSchedule(slow, "* * * * * ?", true));
        await(() -> slow.runs.get() >= 2, Duration.ofSeconds(20));
        assertThat(slow.mostAtOnce.get()).isEqualTo(1);
    }

    @Test
    void runInProgressIsShownBesideTheLastFinishedRun() throws Exception {
        AtomicInteger n = new AtomicInteger();
        TestJob job = new TestJob("backup", () -> n.incrementAndGet() == 1 ? JobOutcome.ok("first")
                : sleeping(3000, JobOutcome.ok("second")).get());
        start(new JobSchedule(job, "* * * * * ?", true));
        await(() -> job.running.get() == 1 && n.get() == 2, Duration.ofSeconds(10));
        await(() -> job(fileStatus(), "backup").runningSince() != null, Duration.ofSeconds(5));
        JobStatus s = job(fileStatus(), "backup");
        assertThat(s.lastRun().message()).isEqualTo("first");
        assertThat(s.runningSince()).isAfterOrEqualTo(s.lastRun().finished());
    }

    @Test
    void stopWaitsForARunningJobWithinTheGrace() throws Exception {
        TestJob job = new TestJob("backup", sleeping(1500, JobOutcome.ok("finished")));
        Agent agent = start(new JobSchedule(job, "* * * * * ?", true));
        await(() -> job.running.get() == 1, Duration.ofSeconds(10));
        agent.stop(Duration.ofSeconds(20));
        JobRun run = job(fileStatus(), "backup").lastRun();
        assertThat(run.result()).isEqualTo(JobRun.OK);
        assertThat(run.message()).isEqualTo("finished");
        assertThat(job(fileStatus(), "backup").runningSince()).isNull();
        assertThat(fileStatus().stopped()).isNotNull();
    }

    @Test
    void stopPastTheGraceRecordsTheRunAsInterrupted() throws Exception {
        TestJob job = new TestJob("backup", sleeping(3000, JobOutcome.ok("too late")));
        Agent agent = start(new JobSchedule(job, "* * * * * ?", true));
        await(() -> job.running.get() == 1, Duration.ofSeconds(10));
        agent.stop(Duration.ofMillis(200));
        assertThat(events).anyMatch(e -> e.equals("agent stopped; abandoned running [backup]"));
        await(() -> job.runs.get() == 1, Duration.ofSeconds(10));
        JobRun run = job(fileStatus(), "backup").lastRun();
        assertThat(run.result()).as("a run finishing after the stop is not recorded").isEqualTo(JobRun.INTERRUPTED);
        assertThat(run.finished()).isNotNull();
        assertThat(job(fileStatus(), "backup").runningSince()).isNull();
    }

    @Test
    void secondAgentForTheClusterIsRefused() {
        start(new JobSchedule(new TestJob("backup", () -> JobOutcome.ok("")), "0 0 1 * * ?", true));
        Agent second = new Agent(repository, List.of(new JobSchedule(new TestJob("backup", () -> JobOutcome.ok("")),
                "0 0 1 * * ?", true)), new StatusFile(stateDir.resolve("other"), "main"), events::add);
        assertThatThrownBy(second::start)
                .isInstanceOf(PgVaultException.class)
                .hasMessageStartingWith("another agent runs for cluster 'main' (host ")
                .hasMessageContaining("pid " + ProcessHandle.current().pid())
                .satisfies(e -> assertThat(((PgVaultException) e).code()).isEqualTo(ErrorCode.LOCKED));
    }

    @Test
    void archivingAloneIsEnoughToRun(@TempDir Path pgdata) throws Exception {
        Files.createDirectories(pgdata.resolve("pg_wal/archive_status"));
        WalArchiver archiver = new WalArchiver(pgdata, stateDir.resolve("spool"), f -> { }, 1, Duration.ofMillis(50),
                events::add);
        Agent agent = new Agent(repository, List.of(), archiver, new StatusFile(stateDir, "main"), events::add);
        agent.start();
        agents.add(agent);
        assertThat(fileStatus().jobs()).isEmpty();
        assertThat(fileStatus().archiver().spool()).isEqualTo(stateDir.resolve("spool").toString());
        assertThat(stateDir.resolve("spool/agent.pid")).exists();
        agent.stop(Duration.ofSeconds(1));
        assertThat(stateDir.resolve("spool/agent.pid")).doesNotExist();
        assertThat(fileStatus().stopped()).isNotNull();
    }

    @Test
    void badCronIsAConfigurationErrorNamingTheSetting() {
        assertThatThrownBy(() -> JobSchedule.checkCron("schedule-full", "0 1 * * *"))
                .isInstanceOf(PgVaultException.class)
                .hasMessageStartingWith("schedule-full '0 1 * * *' is not a Quartz cron expression")
                .hasMessageContaining("seconds first")
                .satisfies(e -> assertThat(((PgVaultException) e).code()).isEqualTo(ErrorCode.CONFIG));
        assertThat(JobSchedule.checkCron("schedule-full", "0 0 1 * * ?")).isEqualTo("0 0 1 * * ?");
    }

    @Test
    void nothingToScheduleIsRefused() {
        assertThatThrownBy(() -> new Agent(repository, List.of(), new StatusFile(stateDir, "main"), events::add))
                .hasMessageContaining("set schedule-full").hasMessageContaining("or spool");
    }

    @Test
    void fullAndIncrementalBackupJobsAreScheduledSideBySide() {
        BackupJob full = new BackupJob(repository, settings(BackupType.FULL));
        BackupJob incremental = new BackupJob(repository, settings(BackupType.INCREMENTAL));
        assertThat(full.name()).isEqualTo("backup");
        assertThat(incremental.name()).isEqualTo("backup-incremental");
        CronTrigger a = new JobSchedule(full, "0 0 1 * * ?", true).trigger();
        CronTrigger b = new JobSchedule(incremental, "0 0 */4 * * ?", true).trigger();
        assertThat(a.getKey()).isNotEqualTo(b.getKey());
        assertThat(b.getMisfireInstruction()).isEqualTo(CronTrigger.MISFIRE_INSTRUCTION_FIRE_ONCE_NOW);
    }

    private static BackupSettings settings(BackupType type) {
        return new BackupSettings(Path.of("/var/lib/postgresql/15/main"),
                new PgConnectionSettings("127.0.0.1", 5432, "postgres", "postgres", null), type, 1, Codec.ZSTD, 0,
                Duration.ofSeconds(60), BackupSettings.DEFAULT_BUNDLE_LIMIT);
    }

    @Test
    void backupsCatchUpAMissedTimeOnceAndOtherJobsSkipIt() {
        CronTrigger backup = new JobSchedule(new TestJob("backup", () -> null), "0 0 1 * * ?", true).trigger();
        CronTrigger verify = new JobSchedule(new TestJob("verify", () -> null), "0 0 3 * * ?", false).trigger();
        assertThat(backup.getMisfireInstruction()).isEqualTo(CronTrigger.MISFIRE_INSTRUCTION_FIRE_ONCE_NOW);
        assertThat(verify.getMisfireInstruction()).isEqualTo(CronTrigger.MISFIRE_INSTRUCTION_DO_NOTHING);
    }

    @Test
    void unusableStateDirectoryIsRefusedBeforeAnythingStarts() throws IOException {
        Path file = stateDir.resolve("a-file");
        Files.writeString(file, "");
        Agent agent = new Agent(repository, List.of(new JobSchedule(new TestJob("backup", () -> null),
                "0 0 1 * * ?", true)), new StatusFile(file.resolve("state"), "main"), events::add);
        assertThatThrownBy(agent::start)
                .hasMessageContaining("cannot create the state directory " + file.resolve("state"))
                .satisfies(e -> assertThat(((PgVaultException) e).code()).isEqualTo(ErrorCode.LOCAL_IO));
        assertThat(RepositoryLock.read(storage, RepositoryLock.key(repository.layout(), Agent.LOCK))).isEmpty();
    }

    @Test
    void statusFileRoundTrips() {
        StatusFile file = new StatusFile(stateDir, "main");
        assertThat(file.read()).isEmpty();
        Instant t = Instant.parse("2026-11-21T01:00:00Z");
        AgentStatus s = new AgentStatus("1", "main", "db1", 42, t, t, null, List.of(new JobStatus("backup",
                "0 0 1 * * ?", t.plusSeconds(86400), t.plusSeconds(90), new JobRun(t, t.plusSeconds(60), JobRun.OK,
                0, "m"), t)), new WalArchiver.Snapshot("/spool", 3, "000000010000000000000003", t, 1, "x"));
        file.write(s);
        assertThat(file.read()).contains(s);
        assertThat(file.path()).isEqualTo(stateDir.resolve("agent-main.json"));
    }
}
