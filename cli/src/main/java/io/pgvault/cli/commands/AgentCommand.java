package io.pgvault.cli.commands;

import io.pgvault.cli.CommandContext;
import io.pgvault.cli.RetentionOptions;
import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.backup.BackupSettings;
import io.pgvault.core.repo.BackupType;
import io.pgvault.core.wal.WalPushService;
import io.pgvault.scheduler.Agent;
import io.pgvault.scheduler.AgentMetrics;
import io.pgvault.scheduler.BackupJob;
import io.pgvault.scheduler.HealthServer;
import io.pgvault.scheduler.JdbcJobStore;
import io.pgvault.scheduler.ExpireJob;
import io.pgvault.scheduler.JobSchedule;
import io.pgvault.scheduler.StatusFile;
import io.pgvault.scheduler.VerifyJob;
import io.pgvault.scheduler.WalArchiver;
import io.pgvault.scheduler.WalMode;
import io.pgvault.scheduler.StreamSettings;
import io.pgvault.scheduler.WalStreamer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "agent", header = "Run the scheduler service: scheduled backups, expire and WAL archiving.", description = {
    "Run the scheduler service: base backups, expire and verifications on Quartz cron schedules, one line per event",
    "on stdout. Quartz cron has SECONDS FIRST and '?' for day-of-month or day-of-week:",
    "  '0 0 1 * * ?' = 01:00:00 daily, '0 30 2 ? * SUN' = Sundays 02:30, '0 0 */6 * * ?' = every 6 hours.",
    "Times are the agent's local time zone. A backup time missed while the agent was busy runs once as soon as",
    "possible; a missed verification or expire is skipped. Times missed while the agent was not running are not",
    "caught up. Scheduled expire applies --retain-full / --retain-days (see pgvault expire --help).",
    "Backups and expire take the cluster's backup lock, shared with `pgvault backup` from cron. One agent per cluster.",
    "With --spool it also archives WAL ahead of PostgreSQL's archiver, in parallel, for the JVM-free",
    "archive_command = 'pgvault-wal-push %%p': a segment is reported archived only once it is in the repository.",
    "With --wal-mode stream (or both) it also receives WAL over a physical replication slot, so the recoverable",
    "point is seconds old even on a quiet server; stream alone needs no archive_command (archive_mode may be off).",
    "`pgvault status` shows the schedule and the last run of each job. SIGTERM stops the agent cleanly."})
public class AgentCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--schedule-full", paramLabel = "CRON",
            description = "When to take full backups (Quartz cron, seconds first), e.g. '0 0 1 * * ?'.")
    String scheduleFull;

    @Option(names = "--schedule-incremental", paramLabel = "CRON",
            description = "When to take incremental backups (Quartz cron), e.g. '0 0 */4 * * ?'; each builds on the "
                    + "newest backup, the first one (or one after a timeline change) is a full backup.")
    String scheduleIncremental;

    @Option(names = "--schedule-verify", paramLabel = "CRON",
            description = "When to verify the whole repository (pgvault verify), e.g. '0 0 4 ? * SUN'.")
    String scheduleVerify;

    @Option(names = "--schedule-expire", paramLabel = "CRON",
            description = "When to run pgvault expire with --retain-full / --retain-days (needed with it), "
                    + "e.g. '0 30 1 * * ?'. A missed time is skipped.")
    String scheduleExpire;

    @Mixin
    RetentionOptions retention;

    @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = "/var/lib/pgvault-agent",
            description = "Where the agent writes its status (agent-<cluster>.json) (default: ${DEFAULT-VALUE}).")
    Path stateDir;

    @Option(names = "--lock-wait", paramLabel = "SECONDS", defaultValue = "0",
            description = "How long a scheduled backup or expire waits while another backup of the cluster runs; 0 (default) "
                    + "records the run as failed (exit 11).")
    int lockWait;

    @Option(names = "--archive-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "How long a backup waits for its WAL to reach the archive (default: ${DEFAULT-VALUE}).")
    int archiveTimeout;

    @Option(names = "--push-wal", paramLabel = "true|false", defaultValue = "true", arity = "1",
            description = "true (default): a scheduled backup pushes the finished WAL segments it needs itself once "
                    + "it stops, while pg_stat_archiver shows no failure; false: it only waits for archiving.")
    boolean pushWal;

    @Option(names = "--spool", paramLabel = "DIR",
            description = "Archive WAL ahead of PostgreSQL's archiver through this spool directory, for "
                    + "archive_command = 'pgvault-wal-push %%p' (same --spool or PGVAULT_SPOOL there). Needs --pgdata.")
    Path spool;

    @Option(names = "--archive-jobs", paramLabel = "N", defaultValue = "2",
            description = "WAL files pushed at once when archiving ahead (default: ${DEFAULT-VALUE}).")
    int archiveJobs;

    @Option(names = "--job-store", paramLabel = "memory|JDBC-URL", defaultValue = "memory",
            description = "Where the schedule lives: 'memory' (default; one agent per cluster) or a PostgreSQL JDBC "
                    + "URL (jdbc:postgresql://HOST:PORT/DB?user=NAME) shared by several agents on different hosts: "
                    + "each job fires on one of them, and when one dies another takes over. pgvault creates the "
                    + "tables (pgvault_qrtz_*). The password comes from PGPASSWORD or the pgpass file.")
    String jobStore;

    @Option(names = "--job-store-checkin", paramLabel = "SECONDS", defaultValue = "7",
            description = "With a JDBC job store: how often each agent records that it is alive; another agent takes "
                    + "over a silent one's jobs after about twice this (default: ${DEFAULT-VALUE}).")
    int jobStoreCheckin;

    @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "0",
            description = "Serve /metrics (Prometheus), /status (JSON) and /health on this port; 0 (default) "
                    + "serves nothing.")
    int httpPort;

    @Option(names = "--http-address", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "The address --http-port listens on (default: ${DEFAULT-VALUE}, loopback only).")
    String httpAddress;

    @Option(names = "--wal-mode", paramLabel = "MODE", defaultValue = "archive", converter = WalModeConverter.class,
            description = "archive (archive_command only, default), stream (a replication slot only) or both "
                    + "(recommended: finished segments through archive_command, the growing one streamed).")
    WalMode walMode;

    @Option(names = "--slot", paramLabel = "NAME",
            description = "Physical replication slot for streaming, created when missing (default: pgvault_<cluster>).")
    String slot;

    @Option(names = "--stream-partial-interval", paramLabel = "SECONDS", defaultValue = "1",
            description = "How often the growing WAL segment is uploaded while it grows (default: ${DEFAULT-VALUE}): "
                    + "at most this much committed work, plus one upload, is lost with the host.")
    double partialInterval;

    @Option(names = "--stream-status-interval", paramLabel = "SECONDS", defaultValue = "10",
            description = "How often the server gets a standby status and the slot is checked (default: "
                    + "${DEFAULT-VALUE}).")
    int statusInterval;

    @Option(names = "--slot-retained-warn", paramLabel = "MIB", defaultValue = "1024",
            description = "Warn when the slot makes the server keep more WAL than this (default: ${DEFAULT-VALUE}).")
    long retainedWarn;

    @Option(names = "--stop-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "On SIGTERM, how long to let a running job finish before exiting (default: "
                    + "${DEFAULT-VALUE}); an unfinished backup leaves nothing listed.")
    int stopTimeout;

    @Override
    public Integer call() throws InterruptedException {
        try (CommandContext ctx = CommandContext.of(spec)) {
            var o = ctx.options();
            var repository = ctx.repository();
            List<JobSchedule> schedules = new ArrayList<>();
            for (BackupType type : List.of(BackupType.FULL, BackupType.INCREMENTAL)) {
                String cron = type == BackupType.FULL ? scheduleFull : scheduleIncremental;
                if (cron != null && !cron.isBlank()) {
                    BackupSettings settings = new BackupSettings(ctx.pgdata(), ctx.connection(), type,
                            o.jobsOrDefault(), o.codec(), o.compressLevel, Duration.ofSeconds(archiveTimeout),
                            BackupSettings.DEFAULT_BUNDLE_LIMIT, Duration.ofSeconds(lockWait), walMode.streams(),
                            BackupSettings.DEFAULT_RANGE_SIZE, pushWal);
                    schedules.add(new JobSchedule(new BackupJob(repository, settings),
                            JobSchedule.checkCron("schedule-" + type, cron), true));
                }
            }
            if (scheduleVerify != null && !scheduleVerify.isBlank()) {
                schedules.add(new JobSchedule(new VerifyJob(repository, o.jobsOrDefault()),
                        JobSchedule.checkCron("schedule-verify", scheduleVerify), false));
            }
            if (scheduleExpire != null && !scheduleExpire.isBlank()) {
                if (!retention.isSet()) {
                    throw new PgVaultException(ErrorCode.CONFIG, "schedule-expire needs a retention: set "
                            + "--retain-full N and/or --retain-days D (config keys retain-full, retain-days)");
                }
                schedules.add(new JobSchedule(new ExpireJob(repository, retention.policy(), Duration.ofSeconds(lockWait)),
                        JobSchedule.checkCron("schedule-expire", scheduleExpire), false));
            }
            if (stopTimeout < 0) {
                throw new PgVaultException(ErrorCode.USAGE, "--stop-timeout must not be negative");
            }
            if (httpPort < 0 || httpPort > 65535) {
                throw new PgVaultException(ErrorCode.USAGE, "--http-port must be between 0 and 65535, got " + httpPort);
            }
            WalArchiver archiver = null;
            if (spool != null && walMode != WalMode.STREAM) {
                WalPushService push = new WalPushService(repository, o.codec(), o.compressLevel);
                archiver = new WalArchiver(ctx.pgdata(), spool.toAbsolutePath(), push::push, archiveJobs,
                        Duration.ofMillis(100), AgentCommand::event);
            }
            WalStreamer streamer = walMode.streams() ? streamer(ctx, repository) : null;
            repository.requireClusterInfo();
            JdbcJobStore store = "memory".equals(jobStore) ? null : new JdbcJobStore(jobStore,
                    ctx.pgPassword(), Duration.ofSeconds(jobStoreCheckin), repository.layout().cluster());
            Agent agent;
            try {
                agent = new Agent(repository, schedules, archiver, streamer, new StatusFile(stateDir,
                        repository.layout().cluster()), AgentCommand::event, store);
            } catch (RuntimeException e) {
                if (store != null) {
                    store.close(); // the agent refused its settings: release the job store's connections
                }
                throw e;
            }
            AgentMetrics metrics = new AgentMetrics(repository, agent::status,
                    ctx.pgdataIfSet(), spool == null ? null : spool.toAbsolutePath());
            agent.onJobFinished(metrics::jobFinished);
            agent.start();
            HealthServer http = null;
            if (httpPort > 0) {
                try {
                    http = new HealthServer(httpAddress, httpPort, metrics, agent::status);
                } catch (PgVaultException e) {
                    agent.stop(Duration.ZERO);
                    throw e;
                }
                event("serving /metrics, /status and /health on http://" + httpAddress + ":" + http.port());
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> agent.stop(Duration.ofSeconds(stopTimeout)),
                    "pgvault-agent-stop"));
            agent.awaitStopped();
            if (http != null) {
                http.close();
            }
            return 0;
        }
    }

    private WalStreamer streamer(CommandContext ctx, io.pgvault.core.repo.Repository repository) {
        var o = ctx.options();
        String slotName = slot == null || slot.isBlank() ? StreamSettings.defaultSlot(
                repository.layout().cluster()) : slot;
        Path dir = (spool != null ? spool : stateDir.resolve("spool")).toAbsolutePath();
        var settings = new StreamSettings(ctx.connection(), slotName, dir,
                Duration.ofMillis(Math.round(partialInterval * 1000)), Duration.ofSeconds(statusInterval),
                retainedWarn * 1024 * 1024);
        return new WalStreamer(repository, new WalPushService(repository, o.codec(), o.compressLevel), settings,
                AgentCommand::event);
    }

    /** Turns archive|stream|both into a WalMode; a bad value names the setting and its source. */
    static final class WalModeConverter implements CommandLine.ITypeConverter<WalMode> {
        @Override
        public WalMode convert(String value) {
            try {
                return WalMode.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    private static void event(String line) {
        System.out.println(Instant.now().truncatedTo(ChronoUnit.SECONDS) + " " + line);
    }
}
