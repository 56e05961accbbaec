package io.pgvault.scheduler;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.Version;
import io.pgvault.core.repo.Repository;
import io.pgvault.core.repo.RepositoryLock;
import io.pgvault.scheduler.AgentStatus.JobRun;
import io.pgvault.scheduler.AgentStatus.JobStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.quartz.JobBuilder;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.Trigger;
import org.quartz.TriggerKey;
import org.quartz.impl.StdSchedulerFactory;

/**
 * The long-running agent of one cluster: runs each {@link JobSchedule} with Quartz (job store in memory: times
 * missed while the agent was not running are not caught up), records every run in a {@link StatusFile}, and holds
 * the cluster's "agent" lock in the repository so that a second agent for the same cluster refuses to start.
 * Optionally it archives WAL ahead of archive_command ({@link WalArchiver}) and streams WAL over a replication slot
 * ({@link WalStreamer}); both report into the status.
 *
 * <p>Thread-safe. {@link #stop(Duration)} is meant for a shutdown hook.
 */
public final class Agent {

    static final String GROUP = "pgvault";

    /** The lock that keeps a second agent of a cluster from starting. */
    public static final String LOCK = "agent";

    private final Repository repository;
    private final List<JobSchedule> schedules;
    private final WalArchiver archiver;
    private final WalStreamer streamer;
    private final StatusFile statusFile;
    private final Consumer<String> events;
    private final JdbcJobStore jobStore;
    private final Clock clock = Clock.systemUTC();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private Scheduler scheduler;
    private RepositoryLock agentLock;
    private AgentStatus status;
    private boolean stopping;
    private volatile java.util.function.BiConsumer<String, JobOutcome> onJobFinished = (name, outcome) -> { };

    /**
     * @param repository the cluster's repository (for the agent lock)
     * @param schedules  what to run when; job names must be unique
     * @param statusFile where to record runs
     * @param events     receives one line per event (started, each run's start and end, stopped)
     */
    public Agent(Repository repository, List<JobSchedule> schedules, StatusFile statusFile, Consumer<String> events) {
        this(repository, schedules, null, statusFile, events);
    }

    /**
     * @param archiver archives WAL ahead of PostgreSQL's archiver while the agent runs, or null
     */
    public Agent(Repository repository, List<JobSchedule> schedules, WalArchiver archiver, StatusFile statusFile,
                 Consumer<String> events) {
        this(repository, schedules, archiver, null, statusFile, events, null);
    }

    /**
     * @param streamer streams WAL over a replication slot while the agent runs, or null
     * @param jobStore the clustered JDBC job store shared with the cluster's other agents, or null for the embedded
     *                 in-memory store (one agent per cluster, kept to one by the repository's agent lock)
     */
    public Agent(Repository repository, List<JobSchedule> schedules, WalArchiver archiver, WalStreamer streamer,
                 StatusFile statusFile, Consumer<String> events, JdbcJobStore jobStore) {
        if (schedules.isEmpty() && archiver == null && streamer == null) {
            throw new PgVaultException(ErrorCode.CONFIG, "nothing to do: set schedule-full (or another schedule-* "
                    + "setting) to a Quartz cron expression, e.g. '0 0 1 * * ?' for 01:00 every day, or spool to "
                    + "archive WAL ahead of archive_command, or wal-mode stream to stream it");
        }
        if (schedules.stream().map(s -> s.job().name()).distinct().count() != schedules.size()) {
            throw new IllegalArgumentException("job names must be unique");
        }
        schedules.forEach(s -> JobSchedule.checkCron(s.job().name(), s.cron()));
        this.repository = repository;
        this.archiver = archiver;
        this.streamer = streamer;
        this.schedules = List.copyOf(schedules);
        this.statusFile = statusFile;
        this.events = events;
        this.jobStore = jobStore;
    }

    /**
     * Starts scheduling.
     *
     * @throws PgVaultException LOCKED when another agent runs for the cluster; LOCAL_IO when the state directory
     *                          is not usable
     */
    public synchronized void start() {
        statusFile.prepare();
        // with a shared JDBC job store several agents serve the cluster, and the store fires each job once
        agentLock = jobStore == null ? takeAgentLock() : null;
        try {
            scheduler = newScheduler();
            Map<String, AgentJob> byName = new LinkedHashMap<>();
            schedules.forEach(s -> byName.put(s.job().name(), s.job()));
            scheduler.setJobFactory((bundle, s) -> new QuartzRun(this, byName.get(bundle.getJobDetail().getKey()
                    .getName())));
            for (JobSchedule s : schedules) {
                schedule(s);
            }
            Instant now = clock.instant();
            List<JobStatus> jobs = new ArrayList<>();
            for (JobSchedule s : schedules) {
                jobs.add(new JobStatus(s.job().name(), s.cron(), null, null, null, null));
            }
            status = new AgentStatus(Version.VALUE, repository.layout().cluster(), hostName(),
                    ProcessHandle.current().pid(), now, now, null, jobs, null);
            if (archiver != null) {
                archiver.onProgress(this::refresh);
                archiver.start();
            }
            if (streamer != null) {
                streamer.onProgress(this::refresh);
                streamer.start();
            }
            write();
            scheduler.start();
        } catch (SchedulerException | RuntimeException e) {
            if (archiver != null) {
                archiver.stop(Duration.ZERO);
            }
            if (streamer != null) {
                streamer.stop(Duration.ofSeconds(5));
            }
            if (scheduler != null) {
                try {
                    scheduler.shutdown(false);
                } catch (SchedulerException ignored) {
                    // nothing was started
                }
            }
            if (agentLock != null) {
                agentLock.close();
            }
            if (e instanceof PgVaultException p) {
                throw p;
            }
            throw new PgVaultException(ErrorCode.INTERNAL, "cannot start the scheduler: " + e.getMessage(), e);
        }
        events.accept("agent started for cluster '" + repository.layout().cluster() + "' (pid " + status.pid()
                + "); status in " + statusFile.path() + (jobStore == null ? ""
                : "; schedule shared with the cluster's other agents through " + jobStore.url()));
        for (JobStatus j : status.jobs()) {
            events.accept(j.name() + " scheduled '" + j.schedule() + "', next run " + j.nextRun());
        }
        if (archiver != null) {
            events.accept("archiving WAL ahead of archive_command through spool " + archiver.spool());
        }
        if (streamer != null) {
            events.accept("streaming WAL through replication slot " + streamer.settings().slot() + ", the growing "
                    + "segment uploaded every " + streamer.settings().partialInterval().toMillis() + " ms");
        }
    }

    /** Called after every finished job run (the metrics count them). */
    public void onJobFinished(java.util.function.BiConsumer<String, JobOutcome> listener) {
        this.onJobFinished = listener;
    }

    /** Rewrites the status (the archiver's counters changed). */
    private synchronized void refresh() {
        if (status.stopped() != null) {
            return;
        }
        try {
            write();
        } catch (PgVaultException e) {
            events.accept("warning: " + e.getMessage());
        }
    }

    private RepositoryLock takeAgentLock() {
        try {
            return RepositoryLock.acquire(repository, LOCK, Duration.ZERO);
        } catch (PgVaultException e) {
            if (e.code() != ErrorCode.LOCKED) {
                throw e;
            }
            RepositoryLock.Holder other = RepositoryLock.read(repository.storage(),
                    RepositoryLock.key(repository.layout(), LOCK)).orElse(null);
            throw new PgVaultException(ErrorCode.LOCKED, "another agent runs for cluster '"
                    + repository.layout().cluster() + "'" + (other == null ? "" : " (" + other.describe() + ")")
                    + "; stop it first, one agent per cluster");
        }
    }

    /**
     * Schedules one job. In a shared store the job may be scheduled already by another agent: an unchanged cron
     * expression is left alone (its next time stays), a changed one replaces the trigger.
     */
    private void schedule(JobSchedule s) throws SchedulerException {
        org.quartz.JobDetail detail = JobBuilder.newJob(QuartzRun.class).withIdentity(s.job().name(), GROUP)
                .requestRecovery(jobStore != null && s.catchUp()).build();
        if (jobStore == null) {
            scheduler.scheduleJob(detail, s.trigger());
            return;
        }
        Trigger existing = scheduler.getTrigger(TriggerKey.triggerKey(s.job().name(), GROUP));
        if (existing instanceof org.quartz.CronTrigger cron && cron.getCronExpression().equals(s.cron())
                && scheduler.checkExists(detail.getKey())) {
            return;
        }
        scheduler.scheduleJob(detail, java.util.Set.of(s.trigger()), true);
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "localhost";
        }
    }

    private Scheduler newScheduler() throws SchedulerException {
        Properties p = jobStore == null ? new Properties() : jobStore.quartzProperties();
        if (jobStore == null) {
            p.setProperty("org.quartz.scheduler.instanceName", "pgvault-agent-" + UUID.randomUUID());
            p.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
            p.setProperty("org.quartz.jobStore.misfireThreshold", "60000");
        }
        p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        p.setProperty("org.quartz.scheduler.makeSchedulerThreadDaemon", "true");
        p.setProperty("org.quartz.threadPool.class", "org.quartz.simpl.SimpleThreadPool");
        // one thread per job: backup and verify may overlap, one job never overlaps itself (QuartzRun)
        p.setProperty("org.quartz.threadPool.threadCount", Integer.toString(Math.max(1, schedules.size())));
        p.setProperty("org.quartz.threadPool.makeThreadsDaemons", "true");
        return new StdSchedulerFactory(p).getScheduler();
    }

    /** Runs a job once and records the run; called by Quartz on its worker threads. */
    void runOnce(AgentJob job) {
        Instant start = clock.instant();
        if (!record(job.name(), start, null)) {
            return; // the agent is stopping
        }
        events.accept(job.name() + " started");
        JobOutcome outcome;
        try {
            outcome = job.run();
        } catch (RuntimeException e) {
            outcome = JobOutcome.of(e);
        }
        Instant end = clock.instant();
        onJobFinished.accept(job.name(), outcome);
        record(job.name(), null, new JobRun(start, end, outcome.succeeded() ? JobRun.OK : JobRun.FAILED,
                outcome.exitCode(), outcome.message()));
        events.accept(job.name() + (outcome.succeeded() ? " done in " : " failed (exit " + outcome.exitCode()
                + ") after ") + Duration.between(start, end).toSeconds() + "s: " + outcome.message());
    }

    /**
     * Records that a run started (runningSince) or finished (run); false, with nothing recorded, once the agent has
     * stopped, or for a new run while it is stopping.
     */
    private synchronized boolean record(String name, Instant runningSince, JobRun finished) {
        if (status.stopped() != null || (stopping && runningSince != null)) {
            return false;
        }
        List<JobStatus> jobs = new ArrayList<>();
        for (JobStatus j : status.jobs()) {
            if (!j.name().equals(name)) {
                jobs.add(j);
            } else if (finished == null) {
                jobs.add(new JobStatus(j.name(), j.schedule(), j.nextRun(), runningSince, j.lastRun(),
                        j.lastSuccess()));
            } else {
                Instant lastSuccess = JobRun.OK.equals(finished.result()) ? finished.finished() : j.lastSuccess();
                jobs.add(new JobStatus(j.name(), j.schedule(), j.nextRun(), null, finished, lastSuccess));
            }
        }
        status = status.withJobs(jobs);
        try {
            write();
        } catch (PgVaultException e) {
            events.accept("warning: " + e.getMessage());
        }
        return true;
    }

    /** Writes the status with fresh next-run times; the caller holds this object's lock. */
    private void write() {
        List<JobStatus> jobs = new ArrayList<>();
        for (JobStatus j : status.jobs()) {
            jobs.add(new JobStatus(j.name(), j.schedule(), nextRun(j.name()), j.runningSince(), j.lastRun(),
                    j.lastSuccess()));
        }
        status = status.withJobs(jobs).written(clock.instant(), status.stopped(),
                archiver == null ? null : archiver.snapshot(), streamer == null ? null : streamer.snapshot());
        statusFile.write(status);
    }

    private Instant nextRun(String name) {
        try {
            if (scheduler == null || scheduler.isShutdown() || stopping) {
                return null;
            }
            Trigger t = scheduler.getTrigger(TriggerKey.triggerKey(name, GROUP));
            Date next = t == null ? null : t.getNextFireTime();
            return next == null ? null : next.toInstant();
        } catch (SchedulerException e) {
            return null;
        }
    }

    /** The status as last written. */
    public synchronized AgentStatus status() {
        return status;
    }

    /**
     * Stops scheduling, waits up to {@code grace} for running jobs to finish, records runs still going as
     * interrupted, and releases the agent lock. A backup abandoned this way has no manifest, so it does not exist;
     * its lock is stale once this process has exited. Idempotent.
     */
    public void stop(Duration grace) {
        synchronized (this) {
            if (stopping || scheduler == null) {
                return;
            }
            stopping = true;
        }
        List<String> abandoned = new ArrayList<>();
        try {
            scheduler.standby();
            long deadline = System.nanoTime() + grace.toNanos();
            while (!scheduler.getCurrentlyExecutingJobs().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            scheduler.getCurrentlyExecutingJobs().forEach(c -> abandoned.add(c.getJobDetail().getKey().getName()));
            scheduler.shutdown(false);
            if (archiver != null) {
                // after the jobs: a backup finishing in the grace needs its WAL archived; pushes get a few
                // seconds at least, an abandoned push only means a synchronous push by archive_command later
                archiver.stop(Duration.ofNanos(Math.max(TimeUnit.SECONDS.toNanos(5), deadline - System.nanoTime())));
            }
            if (streamer != null) {
                // last: WAL written by a backup finishing in the grace is uploaded before the connection closes
                streamer.stop(Duration.ofNanos(Math.max(TimeUnit.SECONDS.toNanos(10), deadline - System.nanoTime())));
            }
        } catch (SchedulerException e) {
            events.accept("warning: stopping the scheduler: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            Instant now = clock.instant();
            List<JobStatus> jobs = new ArrayList<>();
            for (JobStatus j : status.jobs()) {
                JobRun run = j.runningSince() == null ? j.lastRun() : new JobRun(j.runningSince(), now,
                        JobRun.INTERRUPTED, null, "the agent stopped before the run finished");
                jobs.add(new JobStatus(j.name(), j.schedule(), null, null, run, j.lastSuccess()));
            }
            status = status.withJobs(jobs).written(now, now, archiver == null ? null : archiver.snapshot(),
                    streamer == null ? null : streamer.snapshot());
            try {
                write();
            } catch (PgVaultException e) {
                events.accept("warning: " + e.getMessage());
            }
        }
        if (agentLock != null) {
            agentLock.close();
        }
        if (jobStore != null) {
            jobStore.close();
        }
        events.accept("agent stopped" + (abandoned.isEmpty() ? "" : "; abandoned running " + abandoned));
        stopped.countDown();
    }

    /** Blocks until {@link #stop(Duration)} has finished. */
    public void awaitStopped() throws InterruptedException {
        stopped.await();
    }
}
