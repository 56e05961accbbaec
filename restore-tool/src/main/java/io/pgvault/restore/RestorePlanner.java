package io.pgvault.restore;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.info.InfoService;
import io.pgvault.core.info.RecoverableWindow;
import io.pgvault.core.info.RepositorySummary;
import io.pgvault.core.info.TimelineTree;
import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.pg.Lsn;
import io.pgvault.core.pg.TimelineId;
import io.pgvault.core.pg.WalSegmentName;
import io.pgvault.core.pg.WalSegmentSize;
import io.pgvault.core.repo.RepositoryReader;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Chooses the backup for a restore — the newest that ends before the target, on the history of the target
 * timeline — and refuses targets outside the recoverable window or beyond a hole in the archived WAL, before anything
 * is written.
 */
public final class RestorePlanner {

    private final RepositoryReader repository;

    public RestorePlanner(RepositoryReader repository) {
        this.repository = repository;
    }

    public BackupManifest choose(RestoreRequest request) {
        RepositorySummary summary = new InfoService(repository).summarize();
        List<BackupManifest> backups = summary.manifests(); // headers: the chosen backup is read in full below
        if (backups.isEmpty()) {
            throw new PgVaultException(ErrorCode.NOT_FOUND, "cluster '" + repository.layout().cluster()
                    + "' has no backups; run pgvault backup first");
        }
        Optional<RecoverableWindow> window = summary.window();
        if (window.isEmpty()) {
            throw new PgVaultException(ErrorCode.DAMAGED, "no backup of cluster '" + repository.layout().cluster()
                    + "' has all of its WAL in the archive; run pgvault info and pgvault verify");
        }
        checkWindow(request.target(), window.get());
        TimelineTree tree = summary.timelines();
        BackupManifest chosen;
        if (request.backup() != null) {
            chosen = repository.backup(request.backup());
            checkBackupFitsTarget(chosen, request.target());
            TimelineId target = targetTimeline(request, chosen, tree);
            if (!onHistoryOf(chosen, target, tree)) {
                throw new PgVaultException(ErrorCode.REFUSED, "backup " + chosen.id() + " (timeline "
                        + chosen.timeline() + ", ends at " + chosen.stopLsn() + ") is not on the history of timeline "
                        + target + describeBranch(target, tree) + "; choose another backup or --target-timeline");
            }
        } else {
            List<BackupManifest> usable = backups.stream()
                    .filter(b -> endsBefore(b, request.target()))
                    .filter(b -> summary.walRanges().stream().anyMatch(r -> r.first().compareTo(b.startWal()) <= 0
                            && r.last().compareTo(b.stopWal()) >= 0
                            && r.first().startsWith(b.startWal().substring(0, 8))))
                    .toList();
            if (usable.isEmpty()) {
                throw new PgVaultException(ErrorCode.REFUSED, "no backup ends before " + request.target().describe()
                        + "; the earliest recoverable point is " + window.get().earliest());
            }
            BackupManifest header = usable.stream()
                    .filter(b -> onHistoryOf(b, targetTimeline(request, b, tree), tree))
                    .max(Comparator.comparing(BackupManifest::id))
                    .orElseThrow(() -> {
                        TimelineId target = targetTimeline(request, usable.get(0), tree);
                        return new PgVaultException(ErrorCode.REFUSED, "no backup that ends before "
                                + request.target().describe() + " is on the history of timeline " + target
                                + describeBranch(target, tree) + " (backups are on timeline(s) "
                                + usable.stream().map(b -> b.timeline().toString()).distinct()
                                        .collect(Collectors.joining(", ")) + "); see pgvault info");
                    });
            chosen = repository.backup(header.id());
        }
        checkGap(request, chosen, summary, tree);
        return chosen;
    }

    /** The timeline recovery will follow from a backup: the number given, the backup's own, or the newest. */
    static TimelineId targetTimeline(RestoreRequest request, BackupManifest backup, TimelineTree tree) {
        String t = request.targetTimeline();
        if ("current".equals(t)) {
            return backup.timeline();
        }
        if (t == null || "latest".equals(t)) {
            TimelineId latest = tree.latest();
            return latest.compareTo(backup.timeline()) >= 0 ? latest : backup.timeline();
        }
        TimelineId wanted = TimelineId.parseDecimal(t);
        if (tree.node(wanted).isEmpty()) {
            throw new PgVaultException(ErrorCode.REFUSED, "timeline " + wanted + " is not in the archive (timelines: "
                    + tree.nodes().stream().map(n -> n.timeline().toString()).collect(Collectors.joining(", "))
                    + "); see pgvault info");
        }
        return wanted;
    }

    /**
     * True when recovery from the backup can follow {@code target}: the backup's timeline is the target or one of its
     * ancestors, and the backup became consistent before the target branched off it.
     */
    static boolean onHistoryOf(BackupManifest b, TimelineId target, TimelineTree tree) {
        return tree.leadsTo(b.timeline(), b.stopLsn(), target);
    }

    private static String describeBranch(TimelineId target, TimelineTree tree) {
        return tree.node(target).filter(n -> n.parent() != null)
                .map(n -> ", which branched off timeline " + n.parent() + " at " + n.switchPoint()).orElse("");
    }

    private void checkGap(RestoreRequest request, BackupManifest backup, RepositorySummary summary, TimelineTree tree) {
        WalSegmentSize size = new WalSegmentSize(summary.cluster().walSegmentSize());
        TimelineId target = targetTimeline(request, backup, tree);
        Optional<WalGap> gap = WalGap.find(backup, target, tree, summary.walRanges(), size);
        if (gap.isEmpty()) {
            return;
        }
        WalGap g = gap.get();
        RecoveryTarget t = request.target();
        boolean blocked = t instanceof RecoveryTarget.EndOfArchive
                || (t instanceof RecoveryTarget.Time time && time.time().toInstant().isAfter(g.reachableUntil()))
                || (t instanceof RecoveryTarget.AtLsn l && l.lsn().isAfter(g.reachableLsn()));
        if (blocked) {
            throw new PgVaultException(ErrorCode.REFUSED, "the archive has a gap: WAL " + g.missing()
                    + " is missing while later WAL is archived, so recovery from backup " + backup.id()
                    + " cannot pass " + g.reachableLsn() + " (WAL archived until " + g.reachableUntil() + ") and "
                    + "cannot reach " + t.describe() + "; choose an earlier target or a later backup, or put the "
                    + "missing WAL back");
        }
    }

    private static boolean endsBefore(BackupManifest b, RecoveryTarget target) {
        if (target instanceof RecoveryTarget.Time t) {
            return b.stopTime().isBefore(t.time().toInstant());
        }
        if (target instanceof RecoveryTarget.AtLsn l) {
            return !b.stopLsn().isAfter(l.lsn());
        }
        return true;
    }

    private static void checkBackupFitsTarget(BackupManifest b, RecoveryTarget target) {
        if (!endsBefore(b, target)) {
            throw new PgVaultException(ErrorCode.REFUSED, "backup " + b.id() + " ends at " + b.stopTime() + " (LSN "
                    + b.stopLsn() + "), after " + target.describe() + "; choose an older backup or a later target");
        }
    }

    private void checkWindow(RecoveryTarget target, RecoverableWindow window) {
        if (target instanceof RecoveryTarget.Time t) {
            Instant at = t.time().toInstant();
            if (at.isBefore(window.earliest())) {
                throw new PgVaultException(ErrorCode.REFUSED, "target " + t.describe()
                        + " is before the recoverable window, which starts at " + window.earliest()
                        + " (end of the oldest backup)");
            }
            if (at.isAfter(window.latest())) {
                throw new PgVaultException(ErrorCode.REFUSED, "target " + t.describe()
                        + " is after the end of the archive: the newest archived WAL (" + window.latestWal()
                        + ") was archived at " + window.latest() + "; archive more WAL (SELECT pg_switch_wal()) "
                        + "or choose an earlier target");
            }
        }
        if (target instanceof RecoveryTarget.AtLsn l) {
            WalSegmentSize size = new WalSegmentSize(repository.requireClusterInfo().walSegmentSize());
            WalSegmentName last = WalSegmentName.parse(window.latestWal(), size);
            if (l.lsn().compareTo(last.endLsn()) > 0) {
                throw new PgVaultException(ErrorCode.REFUSED, "target " + l.describe()
                        + " is after the end of the archive (" + last + " ends at " + last.endLsn() + ")");
            }
        }
    }
}
