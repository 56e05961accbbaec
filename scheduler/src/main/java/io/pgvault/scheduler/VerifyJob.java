package io.pgvault.scheduler;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.repo.RepositoryReader;
import io.pgvault.core.verify.VerifyReport;
import io.pgvault.core.verify.VerifyService;

/** A scheduled verification of the whole repository; damage fails the run (exit 9) naming the first problem. */
public final class VerifyJob implements AgentJob {

    private final RepositoryReader repository;
    private final int jobs;

    public VerifyJob(RepositoryReader repository, int jobs) {
        this.repository = repository;
        this.jobs = jobs;
    }

    @Override
    public String name() {
        return "verify";
    }

    @Override
    public JobOutcome run() {
        VerifyReport r = new VerifyService(repository).verify(null, jobs);
        String counts = r.backups() + " backups, " + r.files() + " files and " + r.walFiles() + " WAL files re-read";
        if (r.healthy()) {
            return JobOutcome.ok("healthy: " + counts);
        }
        return JobOutcome.failed(ErrorCode.DAMAGED, "damaged: " + r.problems().size() + " problems (first: "
                + r.problems().get(0) + "); " + counts + "; pgvault verify lists them all");
    }
}
