package io.pgvault.scheduler;

import io.pgvault.core.manifest.BackupHeader;
import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.repo.BackupType;
import io.pgvault.core.repo.RepositoryReader;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The agent's numbers in Prometheus' text exposition format (version 0.0.4): the latest backup of each type (when it
 * finished, how long it took, its size), archive lag (segments PostgreSQL marked ready and the age of the oldest),
 * the spool's size, and failures by job and kind. The backup catalog is read from the repository at most once per
 * {@link #CATALOG_TTL} and after every backup job, so a scrape never lists a large repository.
 */
public final class AgentMetrics {

    static final Duration CATALOG_TTL = Duration.ofMinutes(1);

    private final RepositoryReader repository;
    private final Supplier<AgentStatus> status;
    private final Path pgdata;
    private final Path spool;
    private final Clock clock;
    private final Map<String, AtomicLong> failures = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> runs = new ConcurrentHashMap<>();
    private volatile Catalog catalog;

    /** The latest backup of each type, and how many there are. */
    private record Catalog(Instant read, Map<BackupType, BackupManifest> latest, Map<BackupType, Integer> counts) {
    }

    /**
     * @param repository the cluster's repository
     * @param status     the agent's current status
     * @param pgdata     the data directory whose pg_wal/archive_status shows archive lag, or null
     * @param spool      the spool directory, or null
     */
    public AgentMetrics(RepositoryReader repository, Supplier<AgentStatus> status, Path pgdata, Path spool) {
        this(repository, status, pgdata, spool, Clock.systemUTC());
    }

    AgentMetrics(RepositoryReader repository, Supplier<AgentStatus> status, Path pgdata, Path spool, Clock clock) {
        this.repository = repository;
        this.status = status;
        this.pgdata = pgdata;
        this.spool = spool;
        this.clock = clock;
    }

    /** Counts a finished job run; a failure by its kind (the error code's name), and re-reads the catalog soon. */
    public void jobFinished(String job, JobOutcome outcome) {
        runs.computeIfAbsent(job + "\0" + (outcome.succeeded() ? "ok" : "failed"), k -> new AtomicLong())
                .incrementAndGet();
        if (!outcome.succeeded()) {
            failures.computeIfAbsent(job + "\0" + kindOf(outcome.exitCode()), k -> new AtomicLong()).incrementAndGet();
        }
        catalog = null;
    }

    private static String kindOf(int exitCode) {
        for (io.pgvault.core.ErrorCode c : io.pgvault.core.ErrorCode.values()) {
            if (c.exitCode() == exitCode) {
                return c.name().toLowerCase(Locale.ROOT);
            }
        }
        return "exit_" + exitCode;
    }

    /** The metrics text. */
    public String scrape() {
        StringBuilder out = new StringBuilder(4096);
        Instant now = clock.instant();
        AgentStatus s = status.get();
        gauge(out, "pgvault_agent_up", "1 while the agent runs.", one(sample("", s.stopped() == null ? 1 : 0)));
        gauge(out, "pgvault_agent_start_time_seconds", "When the agent started.",
                one(sample("", seconds(s.started()))));

        Catalog c = catalog();
        List<String[]> done = new ArrayList<>();
        List<String[]> duration = new ArrayList<>();
        List<String[]> dataSize = new ArrayList<>();
        List<String[]> repoSize = new ArrayList<>();
        List<String[]> count = new ArrayList<>();
        for (BackupType t : BackupType.values()) {
            String label = "type=\"" + t + "\"";
            count.add(sample(label, c.counts().getOrDefault(t, 0)));
            BackupManifest m = c.latest().get(t);
            if (m != null) {
                done.add(sample(label, seconds(m.stopTime())));
                duration.add(sample(label, m.startTime() == null ? 0
                        : Duration.between(m.startTime(), m.stopTime()).toMillis() / 1000.0));
                dataSize.add(sample(label, m.dataSize()));
                repoSize.add(sample(label, m.repoSize()));
            }
        }
        gauge(out, "pgvault_backups", "Backups in the repository, by type.", count);
        gauge(out, "pgvault_backup_last_completion_timestamp_seconds", "When the latest backup of each type finished.",
                done);
        gauge(out, "pgvault_backup_last_duration_seconds", "How long the latest backup of each type took.", duration);
        gauge(out, "pgvault_backup_last_data_bytes", "Original size of the latest backup of each type.", dataSize);
        gauge(out, "pgvault_backup_last_stored_bytes", "Bytes the latest backup of each type stored.", repoSize);

        if (pgdata != null) {
            ReadyFiles ready = readyFiles(pgdata.resolve("pg_wal/archive_status"), now);
            gauge(out, "pgvault_archive_lag_segments", "WAL files PostgreSQL marked ready and has not archived yet.",
                    one(sample("", ready.count())));
            gauge(out, "pgvault_archive_lag_seconds", "Age of the oldest WAL file waiting to be archived (0 when none).",
                    one(sample("", ready.oldestAgeSeconds())));
        }
        WalArchiver.Snapshot a = s.archiver();
        if (a != null) {
            counter(out, "pgvault_archive_pushed_total", "WAL files the agent archived ahead of archive_command.",
                    one(sample("", a.pushed())));
            if (a.lastPushedAt() != null) {
                gauge(out, "pgvault_archive_last_push_timestamp_seconds", "When the agent last archived a WAL file.",
                        one(sample("", seconds(a.lastPushedAt()))));
            }
        }
        if (spool != null) {
            gauge(out, "pgvault_spool_bytes", "Bytes in the spool directory.", one(sample("", bytesIn(spool))));
        }

        List<String[]> failed = new ArrayList<>();
        if (a != null) {
            failed.add(sample("job=\"archive\",kind=\"push\"", a.failures()));
        }
        new TreeMap<>(failures).forEach((k, v) -> {
            String[] jobKind = k.split("\0");
            failed.add(sample("job=\"" + escape(jobKind[0]) + "\",kind=\"" + jobKind[1] + "\"", v.get()));
        });
        counter(out, "pgvault_failures_total", "Failures since the agent started, by job and kind.", failed);
        List<String[]> runCounts = new ArrayList<>();
        new TreeMap<>(runs).forEach((k, v) -> {
            String[] jobResult = k.split("\0");
            runCounts.add(sample("job=\"" + escape(jobResult[0]) + "\",result=\"" + jobResult[1] + "\"", v.get()));
        });
        counter(out, "pgvault_job_runs_total", "Finished job runs since the agent started, by result.", runCounts);
        List<String[]> lastSuccess = new ArrayList<>();
        for (AgentStatus.JobStatus j : s.jobs()) {
            if (j.lastSuccess() != null) {
                lastSuccess.add(sample("job=\"" + escape(j.name()) + "\"", seconds(j.lastSuccess())));
            }
        }
        gauge(out, "pgvault_job_last_success_timestamp_seconds", "When each job last succeeded.", lastSuccess);
        return out.toString();
    }

    private Catalog catalog() {
        Catalog c = catalog;
        if (c != null && Duration.between(c.read(), clock.instant()).compareTo(CATALOG_TTL) < 0) {
            return c;
        }
        Map<BackupType, BackupManifest> latest = new EnumMap<>(BackupType.class);
        Map<BackupType, Integer> counts = new EnumMap<>(BackupType.class);
        for (BackupManifest m : BackupHeader.manifests(repository.backupHeaders())) {
            counts.merge(m.type(), 1, Integer::sum);
            BackupManifest old = latest.get(m.type());
            if (old == null || m.stopTime().isAfter(old.stopTime())) {
                latest.put(m.type(), m);
            }
        }
        c = new Catalog(clock.instant(), latest, counts);
        catalog = c;
        return c;
    }

    private record ReadyFiles(long count, double oldestAgeSeconds) {
    }

    private static ReadyFiles readyFiles(Path archiveStatus, Instant now) {
        long n = 0;
        Instant oldest = null;
        try (DirectoryStream<Path> s = Files.newDirectoryStream(archiveStatus, "*.ready")) {
            for (Path p : s) {
                try {
                    Instant m = Files.getLastModifiedTime(p).toInstant();
                    oldest = oldest == null || m.isBefore(oldest) ? m : oldest;
                    n++;
                } catch (IOException gone) {
                    // archived meanwhile
                }
            }
        } catch (IOException e) {
            return new ReadyFiles(0, 0);
        }
        return new ReadyFiles(n, oldest == null ? 0 : Math.max(0, Duration.between(oldest, now).toMillis() / 1000.0));
    }

    private static long bytesIn(Path dir) {
        long total = 0;
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                    total += a.isDirectory() ? bytesIn(p) : a.size();
                } catch (IOException gone) {
                    // removed meanwhile
                }
            }
        } catch (IOException e) {
            return total;
        }
        return total;
    }

    private static double seconds(Instant t) {
        return t == null ? 0 : t.toEpochMilli() / 1000.0;
    }

    private static String[] sample(String labels, double value) {
        // plain decimals (1795274242.08, not 1.79527424208E9): easier on people reading the page
        return new String[] {labels, value == Math.rint(value) && Math.abs(value) < 1e15
                ? Long.toString((long) value) : java.math.BigDecimal.valueOf(value).toPlainString()};
    }

    private static List<String[]> one(String[] sample) {
        List<String[]> l = new ArrayList<>(1);
        l.add(sample);
        return l;
    }

    private static void gauge(StringBuilder out, String name, String help, List<String[]> samples) {
        family(out, name, "gauge", help, samples);
    }

    private static void counter(StringBuilder out, String name, String help, List<String[]> samples) {
        family(out, name, "counter", help, samples);
    }

    private static void family(StringBuilder out, String name, String type, String help, List<String[]> samples) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        for (String[] s : samples) {
            out.append(name);
            if (!s[0].isEmpty()) {
                out.append('{').append(s[0]).append('}');
            }
            out.append(' ').append(s[1]).append('\n');
        }
    }

    private static String escape(String label) {
        return label.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
