package io.pgvault.core.retention;

import io.pgvault.core.info.InfoService;
import io.pgvault.core.manifest.BackupHeader;
import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.pg.WalSegmentSize;
import io.pgvault.core.repo.ArchivedWal;
import io.pgvault.core.repo.BackupId;
import io.pgvault.core.repo.Repository;
import io.pgvault.core.repo.RepositoryLock;
import io.pgvault.storage.ObjectInfo;
import io.pgvault.storage.StorageException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes what a {@link RetentionPolicy} no longer keeps: expired backups (each manifest first, so an interrupted
 * expire leaves at worst objects without a manifest, which are no backup), the WAL before the oldest kept backup,
 * and objects under backup prefixes that have no manifest. Runs under the cluster's {@link RepositoryLock#BACKUP}
 * lock, so no backup is being written meanwhile; a dry run takes no lock and changes nothing.
 */
public final class ExpireService {

    private static final Logger log = LoggerFactory.getLogger(ExpireService.class);

    private final Repository repository;
    private final Clock clock;

    public ExpireService(Repository repository, Clock clock) {
        this.repository = repository;
        this.clock = clock;
    }

    /**
     * Plans and (unless {@code dryRun}) carries out expiry.
     *
     * @param lockWait how long to wait for a running backup to release the backup lock
     * @throws io.pgvault.core.PgVaultException LOCKED when a backup still runs after {@code lockWait}
     */
    public ExpireReport run(RetentionPolicy policy, boolean dryRun, Duration lockWait) {
        try {
            if (dryRun) {
                return expire(policy, true);
            }
            try (RepositoryLock lock = RepositoryLock.acquire(repository, RepositoryLock.BACKUP, lockWait)) {
                return expire(policy, false);
            }
        } catch (StorageException e) {
            throw Repository.translate(e);
        }
    }

    private ExpireReport expire(RetentionPolicy policy, boolean dryRun) {
        WalSegmentSize size = new WalSegmentSize(repository.requireClusterInfo().walSegmentSize());
        List<BackupManifest> backups = BackupHeader.manifests(repository.backupHeaders());
        List<ArchivedWal> wal = repository.walFiles();
        var tree = new InfoService(repository).timelines(wal);
        RetentionPlanner planner = new RetentionPlanner(policy, clock.instant());
        Set<BackupId> pins = repository.pins();
        RetentionPlan plan = planner.plan(backups, pins, wal, size, tree);
        if (!dryRun && !plan.expired().isEmpty() && !repository.pins().equals(pins)) {
            // a backup was pinned or unpinned while planning: plan again with the pins in force now
            plan = planner.plan(backups, repository.pins(), wal, size, tree);
        }
        Map<String, List<String>> objects = objectsByBackup();
        List<String> orphans = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : objects.entrySet()) {
            if (isBackupId(e.getKey()) && e.getValue().stream().noneMatch(k -> k.endsWith("/manifest.json"))) {
                orphans.add(e.getKey());
            }
        }
        long walBytes = plan.expiredWal().stream().mapToLong(ArchivedWal::storedSize).sum();
        if (!dryRun) {
            delete(plan, objects, orphans);
        }
        return new ExpireReport(dryRun, policy.describe(), plan.decisions(), plan.expired(), plan.kept(),
                plan.expiredWal().size(), walBytes, plan.walCutoff(), orphans, plan.window().orElse(null));
    }

    private void delete(RetentionPlan plan, Map<String, List<String>> objects, List<String> orphans) {
        List<BackupId> expired = new ArrayList<>(plan.expired());
        expired.sort(Comparator.reverseOrder());
        if (!expired.isEmpty()) {
            // manifests first, newest first: an interruption leaves descendants removed before their parents
            repository.storage().delete(expired.stream().map(id -> repository.layout().manifest(id)).toList());
            List<String> keys = new ArrayList<>();
            expired.forEach(id -> keys.addAll(objects.getOrDefault(id.toString(), List.of())));
            repository.storage().delete(keys);
            log.info("expired backups {}", expired);
        }
        if (!plan.expiredWal().isEmpty()) {
            repository.storage().delete(plan.expiredWal().stream().map(ArchivedWal::key).toList());
            log.info("expired {} WAL files before {}", plan.expiredWal().size(), plan.walCutoff());
        }
        if (!orphans.isEmpty()) {
            List<String> keys = new ArrayList<>();
            orphans.forEach(id -> keys.addAll(objects.get(id)));
            repository.storage().delete(keys);
            log.info("removed objects without a manifest under {}", orphans);
        }
    }

    private static boolean isBackupId(String text) {
        try {
            BackupId.parse(text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Every object under backups/, grouped by the backup id directory it lies in (one listing). */
    private Map<String, List<String>> objectsByBackup() {
        String prefix = repository.layout().backupsPrefix();
        Map<String, List<String>> out = new TreeMap<>();
        try (Stream<ObjectInfo> s = repository.storage().list(prefix)) {
            s.map(ObjectInfo::key).forEach(k -> {
                int slash = k.indexOf('/', prefix.length());
                if (slash > 0) {
                    out.computeIfAbsent(k.substring(prefix.length(), slash), x -> new ArrayList<>()).add(k);
                }
            });
        }
        return out;
    }
}
