package io.pgvault.core.info;

import io.pgvault.core.manifest.BackupHeader;
import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.repo.ClusterInfo;
import java.util.List;
import java.util.Optional;

/**
 * What a repository holds for one cluster.
 *
 * @param cluster   its binding
 * @param backups   backups, oldest first, without their file lists
 * @param walRanges archived WAL as runs per timeline
 * @param histories archived timeline history files
 * @param window    the recoverable window, empty without a usable backup
 * @param timelines the timelines and where each branched off its parent
 */
public record RepositorySummary(ClusterInfo cluster, List<BackupHeader> backups, List<WalRange> walRanges,
                                List<String> histories, Optional<RecoverableWindow> window,
                                TimelineTree timelines) {

    /** The backups' manifests, without their file lists. */
    public List<BackupManifest> manifests() {
        return BackupHeader.manifests(backups);
    }
}
