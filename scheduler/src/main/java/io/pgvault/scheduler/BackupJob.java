package io.pgvault.scheduler;

import io.pgvault.core.backup.BackupProgress;
import io.pgvault.core.backup.BackupService;
import io.pgvault.core.backup.BackupSettings;
import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.repo.Repository;

/**
 * A scheduled base backup. {@link BackupService} takes the cluster's backup lock, so it cannot overlap a backup
 * started by cron or by hand; one that finds the lock held fails (exit 11) unless the settings' lock wait covers it.
 */
public final class BackupJob implements AgentJob {

    private final Repository repository;
    private final BackupSettings settings;

    public BackupJob(Repository repository, BackupSettings settings) {
        this.repository = repository;
        this.settings = settings;
    }

    @Override
    public String name() {
        return "backup";
    }

    @Override
    public JobOutcome run() {
        BackupManifest m = new BackupService(repository).run(settings, BackupProgress.NONE);
        return JobOutcome.ok("backup " + m.id() + ": " + m.dataSize() + " bytes (" + m.repoSize() + " stored), WAL "
                + m.startWal() + ".." + m.stopWal());
    }
}
