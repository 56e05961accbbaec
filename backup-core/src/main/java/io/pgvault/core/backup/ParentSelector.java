package io.pgvault.core.backup;

import io.pgvault.core.PgVaultException;
import io.pgvault.core.info.InfoService;
import io.pgvault.core.info.TimelineTree;
import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.pg.Lsn;
import io.pgvault.core.pg.TimelineId;
import io.pgvault.core.repo.BackupChain;
import io.pgvault.core.repo.BackupId;
import io.pgvault.core.repo.BackupType;
import io.pgvault.core.repo.ClusterInfo;
import io.pgvault.core.repo.Repository;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Chooses the parent of an incremental (the newest backup of any type) or differential (the newest full) backup.
 * A parent is usable only when it belongs to this cluster and is an ancestor of the server's current state: on the
 * server's timeline, or on an ancestor timeline and finished before the server's history left it. Otherwise the
 * backup becomes a full one and the reason is told in one line.
 */
final class ParentSelector {

    private final Repository repository;
    private final Consumer<String> tell;

    ParentSelector(Repository repository, Consumer<String> tell) {
        this.repository = repository;
        this.tell = tell;
    }

    /**
     * @param type            the requested type
     * @param serverTimeline  the server's current timeline
     * @return the parent, or empty for a full backup
     */
    Optional<BackupManifest> choose(BackupType type, ClusterInfo cluster, int pgVersionNum,
                                    TimelineId serverTimeline) {
        if (type == BackupType.FULL) {
            return Optional.empty();
        }
        List<BackupId> ids = repository.backupIds();
        Optional<BackupId> newest = ids.stream()
                .filter(id -> type == BackupType.INCREMENTAL || id.type() == BackupType.FULL)
                .max(BackupId::compareTo);
        String wanted = type == BackupType.INCREMENTAL ? "backup" : "full backup";
        if (newest.isEmpty()) {
            return fallBack("no " + wanted + " to build on yet");
        }
        BackupManifest parent = repository.backup(newest.get());
        if (!cluster.systemIdentifier().equals(parent.systemIdentifier())
                || parent.pgVersionNum() / 10000 != pgVersionNum / 10000) {
            return fallBack("the newest " + wanted + " " + parent.id() + " belongs to another cluster or major version");
        }
        try {
            BackupChain.of(repository, parent);
        } catch (PgVaultException e) {
            return fallBack("the chain of " + parent.id() + " is broken (" + e.getMessage() + ")");
        }
        if (!parent.timeline().equals(serverTimeline)) {
            TimelineTree tree = new InfoService(repository).timelines();
            Optional<Lsn> left = tree.isOnPathTo(parent.timeline(), serverTimeline)
                    ? tree.switchPoint(parent.timeline(), serverTimeline) : Optional.empty();
            if (left.isEmpty() || !parent.stopLsn().isBefore(left.get())) {
                return fallBack("the newest " + wanted + " " + parent.id() + " (timeline " + parent.timeline()
                        + ", ends at " + parent.stopLsn() + ") is not an ancestor of timeline " + serverTimeline
                        + left.map(l -> ", which left it at " + l).orElse(""));
            }
        }
        return Optional.of(parent);
    }

    private Optional<BackupManifest> fallBack(String why) {
        tell.accept(why + ": taking a full backup instead");
        return Optional.empty();
    }
}
