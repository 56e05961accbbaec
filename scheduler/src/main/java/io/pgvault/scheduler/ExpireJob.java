package io.pgvault.scheduler;

import io.pgvault.core.repo.Repository;
import io.pgvault.core.retention.ExpireReport;
import io.pgvault.core.retention.ExpireService;
import io.pgvault.core.retention.RetentionPolicy;
import java.time.Clock;
import java.time.Duration;

/**
 * A scheduled expire with the configured retention. {@link ExpireService} takes the cluster's backup lock, so it
 * never overlaps a backup; one that finds the lock held fails (exit 11) unless the lock wait covers the backup.
 */
public final class ExpireJob implements AgentJob {

    private final Repository repository;
    private final RetentionPolicy policy;
    private final Duration lockWait;

    public ExpireJob(Repository repository, RetentionPolicy policy, Duration lockWait) {
        this.repository = repository;
        this.policy = policy;
        this.lockWait = lockWait;
    }

    @Override
    public String name() {
        return "expire";
    }

    @Override
    public JobOutcome run() {
        ExpireReport r = new ExpireService(repository, Clock.systemUTC()).run(policy, false, lockWait);
        return JobOutcome.ok("removed " + r.expiredBackups().size() + " backups and " + r.walFiles()
                + " WAL files, kept " + r.keptBackups().size() + " (retention: " + r.policy() + "); recoverable window "
                + (r.window() == null ? "none" : r.window().earliest() + " .. " + r.window().latest()));
    }
}
