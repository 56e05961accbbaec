package io.pgvault.scheduler;

import java.time.Instant;
import java.util.List;

/**
 * What the agent writes to its status file and {@code pgvault status} shows.
 *
 * @param version pgvault version of the agent
 * @param cluster the cluster the agent serves
 * @param host    host the agent runs on
 * @param pid     the agent's process id
 * @param started when the agent started
 * @param updated when this status was written
 * @param stopped when the agent stopped, or null while it runs
 * @param jobs     every scheduled job
 * @param archiver what archiving ahead of PostgreSQL's archiver has done, or null when the agent does not
 * @param stream   what WAL streaming does, or null when the agent does not stream
 */
public record AgentStatus(String version, String cluster, String host, long pid, Instant started, Instant updated,
                          Instant stopped, List<JobStatus> jobs, WalArchiver.Snapshot archiver,
                          WalStreamer.Snapshot stream) {

    /** A status without streaming. */
    public AgentStatus(String version, String cluster, String host, long pid, Instant started, Instant updated,
                       Instant stopped, List<JobStatus> jobs, WalArchiver.Snapshot archiver) {
        this(version, cluster, host, pid, started, updated, stopped, jobs, archiver, null);
    }

    AgentStatus withJobs(List<JobStatus> newJobs) {
        return new AgentStatus(version, cluster, host, pid, started, updated, stopped, newJobs, archiver, stream);
    }

    AgentStatus written(Instant now, Instant stoppedAt, WalArchiver.Snapshot archiverNow,
                        WalStreamer.Snapshot streamNow) {
        return new AgentStatus(version, cluster, host, pid, started, now, stoppedAt, jobs, archiverNow, streamNow);
    }

    /**
     * One scheduled job.
     *
     * @param name         the job's name
     * @param schedule     its Quartz cron expression
     * @param nextRun      when it runs next, or null when it will not run again
     * @param runningSince when the run in progress started, or null when none is
     * @param lastRun      its latest finished run, or null before the first
     * @param lastSuccess  when its latest successful run finished, or null
     */
    public record JobStatus(String name, String schedule, Instant nextRun, Instant runningSince, JobRun lastRun,
                            Instant lastSuccess) {
    }

    /**
     * One finished run of a job.
     *
     * @param started  when it started
     * @param finished when it finished (or the agent stopped without waiting for it)
     * @param result   {@link #OK}, {@link #FAILED}, or {@link #INTERRUPTED} when the agent stopped before the run
     *                 finished
     * @param exitCode the exit code the outcome has on the command line; null when interrupted
     * @param message  what was done or what failed
     */
    public record JobRun(Instant started, Instant finished, String result, Integer exitCode, String message) {
        public static final String OK = "ok";
        public static final String FAILED = "failed";
        public static final String INTERRUPTED = "interrupted";
    }
}
