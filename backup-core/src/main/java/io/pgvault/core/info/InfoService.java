package io.pgvault.core.info;

import io.pgvault.core.manifest.BackupHeader;
import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.pg.TimelineId;
import io.pgvault.core.pg.WalFileName;
import io.pgvault.core.pg.WalSegmentName;
import io.pgvault.core.pg.WalSegmentSize;
import io.pgvault.core.repo.ArchivedWal;
import io.pgvault.core.repo.ClusterInfo;
import io.pgvault.core.repo.RepositoryReader;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** Summarizes a repository: backups, WAL runs per timeline, the timeline tree and the recoverable window. */
public final class InfoService {

    private final RepositoryReader repository;

    public InfoService(RepositoryReader repository) {
        this.repository = repository;
    }

    public RepositorySummary summarize() {
        ClusterInfo cluster = repository.requireClusterInfo();
        List<BackupHeader> headers = repository.backupHeaders();
        List<BackupManifest> backups = BackupHeader.manifests(headers);
        List<ArchivedWal> wal = repository.walFiles();
        WalSegmentSize size = new WalSegmentSize(cluster.walSegmentSize());
        List<WalRange> ranges = ranges(wal, size);
        List<String> histories = wal.stream().filter(w -> w.name().kind() == WalFileName.Kind.HISTORY)
                .map(w -> w.name().name()).toList();
        List<TimelineId> seen = new ArrayList<>();
        ranges.forEach(r -> seen.add(r.timeline()));
        backups.forEach(b -> seen.add(b.timeline()));
        TimelineTree tree = TimelineTree.of(seen, TimelineHistories.read(repository, wal));
        return new RepositorySummary(cluster, headers, ranges, histories, window(backups, ranges, size), tree);
    }

    /** The timeline tree alone (no manifests are read), from the archived WAL and history files. */
    public TimelineTree timelines() {
        return timelines(repository.walFiles());
    }

    /** The timeline tree from an archive listing already at hand. */
    public TimelineTree timelines(List<ArchivedWal> wal) {
        WalSegmentSize size = new WalSegmentSize(repository.requireClusterInfo().walSegmentSize());
        return TimelineTree.of(ranges(wal, size).stream().map(WalRange::timeline).toList(),
                TimelineHistories.read(repository, wal));
    }

    /** The recoverable window the given backups and archived WAL make, empty without a usable backup. */
    public static Optional<RecoverableWindow> windowOf(List<BackupManifest> backups, List<ArchivedWal> wal,
                                                       WalSegmentSize size) {
        return window(backups, ranges(wal, size), size);
    }

    /**
     * Runs of consecutive segments per timeline. A streamed {@code .partial} whose whole segment is not archived
     * counts as the last segment of a run (marked {@link WalRange#lastPartial()}): nothing can follow it in a run,
     * since its valid WAL ends inside it.
     */
    static List<WalRange> ranges(List<ArchivedWal> wal, WalSegmentSize size) {
        java.util.Map<WalSegmentName, Instant> archivedAt = new java.util.HashMap<>();
        java.util.Map<WalSegmentName, Instant> partials = new java.util.HashMap<>();
        for (ArchivedWal w : wal) {
            WalFileName.Kind kind = w.name().kind();
            if (kind == WalFileName.Kind.SEGMENT || kind == WalFileName.Kind.PARTIAL) {
                try {
                    WalSegmentName s = WalSegmentName.parse(w.name().name().substring(0, 24), size);
                    (kind == WalFileName.Kind.SEGMENT ? archivedAt : partials).merge(s, w.archivedAt(),
                            (a, b) -> a.isAfter(b) ? a : b);
                } catch (IllegalArgumentException ignored) {
                    // a name impossible for this segment size is not part of this cluster's WAL
                }
            }
        }
        java.util.Set<WalSegmentName> partialOnly = new java.util.HashSet<>(partials.keySet());
        partialOnly.removeAll(archivedAt.keySet());
        List<WalSegmentName> segments = new ArrayList<>(archivedAt.keySet());
        segments.addAll(partialOnly);
        segments.sort(Comparator.naturalOrder());
        List<WalRange> ranges = new ArrayList<>();
        WalSegmentName first = null;
        WalSegmentName prev = null;
        Instant newest = Instant.EPOCH;
        for (WalSegmentName s : segments) {
            boolean follows = prev != null && s.timeline().equals(prev.timeline())
                    && s.segmentNumber() == prev.segmentNumber() + 1 && !partialOnly.contains(prev);
            if (prev != null && !follows) {
                ranges.add(new WalRange(first.timeline(), first.fileName(), prev.fileName(),
                        prev.segmentNumber() - first.segmentNumber() + 1, newest, partialOnly.contains(prev)));
                first = null;
                newest = Instant.EPOCH;
            }
            if (first == null) {
                first = s;
            }
            Instant at = partialOnly.contains(s) ? partials.get(s) : archivedAt.get(s);
            newest = at.isAfter(newest) ? at : newest;
            prev = s;
        }
        if (first != null) {
            ranges.add(new WalRange(first.timeline(), first.fileName(), prev.fileName(),
                    prev.segmentNumber() - first.segmentNumber() + 1, newest, partialOnly.contains(prev)));
        }
        return ranges;
    }

    /** The run that contains a segment, if any. */
    static Optional<WalRange> rangeOf(List<WalRange> ranges, String segment) {
        return ranges.stream().filter(r -> r.first().substring(0, 8).equals(segment.substring(0, 8))
                && r.first().compareTo(segment) <= 0 && r.last().compareTo(segment) >= 0).findFirst();
    }

    static Optional<RecoverableWindow> window(List<BackupManifest> backups, List<WalRange> ranges,
                                              WalSegmentSize size) {
        Instant earliest = null;
        WalRange latestRange = null;
        for (BackupManifest b : backups) {
            Optional<WalRange> run = rangeOf(ranges, b.startWal());
            if (run.isEmpty() || run.get().last().compareTo(b.stopWal()) < 0
                    || (run.get().lastPartial() && run.get().last().equals(b.stopWal()))) {
                continue; // the backup's own WAL is incomplete: it cannot be restored
            }
            if (earliest == null || b.stopTime().isBefore(earliest)) {
                earliest = b.stopTime();
            }
            for (WalRange r : ranges) {
                boolean reachable = r == run.get() || r.timeline().compareTo(b.timeline()) > 0;
                if (reachable && (latestRange == null || r.lastArchivedAt().isAfter(latestRange.lastArchivedAt()))) {
                    latestRange = r;
                }
            }
        }
        if (earliest == null) {
            return Optional.empty();
        }
        return Optional.of(new RecoverableWindow(earliest, latestRange.lastArchivedAt(), latestRange.last(),
                latestRange.lastPartial()));
    }
}
