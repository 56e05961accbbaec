package io.pgvault.core.retention;

import io.pgvault.core.info.RecoverableWindow;
import io.pgvault.core.pg.Lsn;
import io.pgvault.core.repo.ArchivedWal;
import io.pgvault.core.repo.BackupId;
import java.util.List;
import java.util.Optional;

/**
 * What expire keeps and removes, decided before anything is deleted.
 *
 * @param decisions   every backup, oldest first, with whether it is kept and why
 * @param expiredWal  archived WAL files that lie wholly before {@code walCutoff} (never history files)
 * @param walCutoff   the earliest start LSN of a kept backup; null when nothing is kept
 * @param window      the recoverable window once the plan is carried out
 */
public record RetentionPlan(List<Decision> decisions, List<ArchivedWal> expiredWal, Lsn walCutoff,
                            Optional<RecoverableWindow> window) {

    /**
     * One backup's fate.
     *
     * @param id     the backup
     * @param keep   true when it stays
     * @param reason why it stays, or why it goes
     */
    public record Decision(BackupId id, boolean keep, String reason) {
    }

    public RetentionPlan {
        decisions = List.copyOf(decisions);
        expiredWal = List.copyOf(expiredWal);
    }

    /** The backups to remove, oldest first. */
    public List<BackupId> expired() {
        return decisions.stream().filter(d -> !d.keep()).map(Decision::id).toList();
    }

    /** The backups that stay, oldest first. */
    public List<BackupId> kept() {
        return decisions.stream().filter(Decision::keep).map(Decision::id).toList();
    }

    /** True when nothing would be removed. */
    public boolean isEmpty() {
        return expired().isEmpty() && expiredWal.isEmpty();
    }
}
