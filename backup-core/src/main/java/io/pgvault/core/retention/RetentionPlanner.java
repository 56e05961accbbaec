package io.pgvault.core.retention;

import io.pgvault.core.info.InfoService;
import io.pgvault.core.info.TimelineTree;
import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.pg.Lsn;
import io.pgvault.core.pg.TimelineId;
import io.pgvault.core.pg.WalFileName;
import io.pgvault.core.pg.WalSegmentName;
import io.pgvault.core.pg.WalSegmentSize;
import io.pgvault.core.repo.ArchivedWal;
import io.pgvault.core.repo.BackupId;
import io.pgvault.core.repo.BackupType;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Decides what a {@link RetentionPolicy} keeps; reads and deletes nothing itself.
 *
 * <ul>
 *   <li>count: the N newest full backups and every backup newer than the oldest of them;</li>
 *   <li>window: on every timeline that has WAL or backups inside the window (and the newest timeline), the newest
 *       backup that ended at or before its start and can reach that timeline, and every backup ending inside it;</li>
 *   <li>pins: a pinned backup is always kept;</li>
 *   <li>chains: a kept backup keeps its parent, transitively, so every kept incremental stays restorable; a
 *       removed backup therefore takes its descendants with it, unless a pin keeps the chain;</li>
 *   <li>WAL: files wholly before the earliest start LSN of a kept backup, on every timeline, go; history files
 *       stay. When no backup would be kept nothing is removed.</li>
 * </ul>
 */
public final class RetentionPlanner {

    private final RetentionPolicy policy;
    private final Instant now;

    public RetentionPlanner(RetentionPolicy policy, Instant now) {
        this.policy = policy;
        this.now = now;
    }

    /**
     * Plans expiry.
     *
     * @param backups every backup
     * @param pins    pinned backup ids (ids without a backup are ignored)
     * @param wal     every archived WAL file
     * @param size    the cluster's WAL segment size
     * @param tree    the timeline tree of the archive
     */
    public RetentionPlan plan(List<BackupManifest> backups, Set<BackupId> pins, List<ArchivedWal> wal,
                              WalSegmentSize size, TimelineTree tree) {
        Map<BackupId, BackupManifest> byId = new TreeMap<>();
        backups.forEach(b -> byId.put(b.id(), b));
        Map<BackupId, String> kept = new LinkedHashMap<>();
        if (policy.retainFull() != null) {
            keepByCount(byId, kept);
        }
        if (policy.retainDays() != null) {
            keepByWindow(byId, wal, tree, kept);
        }
        for (BackupId pin : pins) {
            if (byId.containsKey(pin)) {
                kept.put(pin, "pinned");
            }
        }
        keepAncestors(byId, kept);
        if (kept.isEmpty()) {
            // a policy that keeps nothing (no full backup at all) must not empty the repository
            List<RetentionPlan.Decision> all = byId.keySet().stream().map(id -> new RetentionPlan.Decision(id, true,
                    "no backup would remain under the policy, so nothing is removed")).toList();
            return new RetentionPlan(all, List.of(), null, InfoService.windowOf(backups, wal, size));
        }
        List<RetentionPlan.Decision> decisions = new ArrayList<>();
        List<BackupManifest> remaining = new ArrayList<>();
        for (BackupManifest b : byId.values()) {
            String why = kept.get(b.id());
            decisions.add(new RetentionPlan.Decision(b.id(), why != null, why != null ? why
                    : b.parent() != null && !kept.containsKey(b.parent()) && byId.containsKey(b.parent())
                    ? "depends on expired backup " + b.parent() : "outside the retention (" + policy.describe() + ")"));
            if (why != null) {
                remaining.add(b);
            }
        }
        Lsn cutoff = remaining.stream().map(BackupManifest::startLsn).min(Comparator.naturalOrder()).orElseThrow();
        List<ArchivedWal> expiredWal = new ArrayList<>();
        List<ArchivedWal> remainingWal = new ArrayList<>();
        for (ArchivedWal w : wal) {
            (endsBefore(w, cutoff, size) ? expiredWal : remainingWal).add(w);
        }
        return new RetentionPlan(decisions, expiredWal, cutoff, InfoService.windowOf(remaining, remainingWal, size));
    }

    private void keepByCount(Map<BackupId, BackupManifest> byId, Map<BackupId, String> kept) {
        List<BackupId> fulls = byId.values().stream().filter(b -> b.type() == BackupType.FULL)
                .map(BackupManifest::id).toList();
        if (fulls.isEmpty()) {
            return;
        }
        int n = policy.retainFull();
        BackupId oldestKept = fulls.get(Math.max(0, fulls.size() - n));
        for (BackupManifest b : byId.values()) {
            if (b.id().compareTo(oldestKept) >= 0) {
                kept.putIfAbsent(b.id(), b.type() == BackupType.FULL ? "one of the " + n + " newest full backups"
                        : "newer than the oldest kept full backup " + oldestKept);
            }
        }
    }

    private void keepByWindow(Map<BackupId, BackupManifest> byId, List<ArchivedWal> wal, TimelineTree tree,
                              Map<BackupId, String> kept) {
        int days = policy.retainDays();
        Instant start = now.minus(Duration.ofDays(days));
        Set<TimelineId> timelines = new TreeSet<>();
        timelines.add(tree.latest());
        for (BackupManifest b : byId.values()) {
            if (b.stopTime().isAfter(start)) {
                kept.putIfAbsent(b.id(), "ends inside the " + days + "-day window");
                timelines.add(b.timeline());
            }
        }
        for (ArchivedWal w : wal) {
            if (w.name().kind() != WalFileName.Kind.HISTORY && w.archivedAt().isAfter(start)) {
                timelines.add(w.name().timeline());
            }
        }
        for (TimelineId t : timelines) {
            byId.values().stream()
                    .filter(b -> !b.stopTime().isAfter(start) && tree.leadsTo(b.timeline(), b.stopLsn(), t))
                    .max(Comparator.comparing(BackupManifest::stopTime).thenComparing(BackupManifest::id))
                    .ifPresent(b -> kept.putIfAbsent(b.id(), "the newest backup before the " + days
                            + "-day window starts (timeline " + t + ")"));
        }
    }

    /** Adds the parent chain of every kept backup; a parent that is not in the repository ends the chain. */
    private static void keepAncestors(Map<BackupId, BackupManifest> byId, Map<BackupId, String> kept) {
        for (BackupId id : new ArrayList<>(kept.keySet())) {
            BackupManifest b = byId.get(id);
            while (b != null && b.parent() != null && byId.containsKey(b.parent())) {
                kept.putIfAbsent(b.parent(), "needed by " + b.id() + " (its parent)");
                b = byId.get(b.parent());
            }
        }
    }

    /** True for a WAL file (segment, partial or backup history, never a timeline history) wholly before the LSN. */
    static boolean endsBefore(ArchivedWal w, Lsn cutoff, WalSegmentSize size) {
        if (w.name().kind() == WalFileName.Kind.HISTORY) {
            return false;
        }
        try {
            WalSegmentName segment = WalSegmentName.parse(w.name().name().substring(0, 24), size);
            return segment.endLsn().compareTo(cutoff) <= 0;
        } catch (IllegalArgumentException e) {
            return false; // impossible for this segment size: not ours to judge
        }
    }
}
