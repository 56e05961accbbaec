package io.pgvault.scheduler;

import io.pgvault.core.backup.BackupProgress;
import io.pgvault.core.backup.BackupService;
import io.pgvault.core.backup.BackupSettings;
import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.repo.BackupType;
import io.pgvault.core.repo.Repository;

/**
 * A scheduled base backup, full or incremental (an incremental finding nothing to build on becomes a full one). {@link BackupService} takes the cluster's backup lock, so it cannot overlap a backup
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
        // full backups keep the name status files and dashboards already know
        return settings.type() == BackupType.FULL ? "backup" : "backup-" + settings.type();
    }

    @Override
    public JobOutcome run() {
        BackupManifest m = new BackupService(repository).run(settings, BackupProgress.NONE);
        return JobOutcome.ok(m.type() + " backup " + m.id() + (m.parent() == null ? "" : " (parent " + m.parent()
                + ")") + ": " + m.dataSize() + " bytes (" + m.repoSize() + " stored), WAL "
                + m.startWal() + ".." + m.stopWal());
    }
}
