package io.pgvault.restore;

import io.pgvault.core.info.TimelineTree;
import io.pgvault.core.info.WalRange;
import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.pg.Lsn;
import io.pgvault.core.pg.TimelineHistory;
import io.pgvault.core.pg.TimelineId;
import io.pgvault.core.pg.WalSegmentName;
import io.pgvault.core.pg.WalSegmentSize;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * A hole in the archived WAL on the way from a backup to a target timeline: recovery stops at the first missing
 * segment, even though later WAL is archived. Found from the runs of consecutive segments, without reading WAL.
 *
 * @param missing        the first segment recovery would not find
 * @param reachableLsn   recovery cannot replay beyond this LSN (the start of the missing segment)
 * @param reachableUntil when the last segment before the hole was archived: no commit after it can be replayed
 */
record WalGap(String missing, Lsn reachableLsn, Instant reachableUntil) {

    /** One leg of the path: segments [from, to] on a timeline; to is null when the leg runs to the archive's end. */
    private record Leg(TimelineId timeline, WalSegmentName from, WalSegmentName to) {
    }

    /** The first gap recovery from {@code backup} to {@code target} would hit, if any. */
    static Optional<WalGap> find(BackupManifest backup, TimelineId target, TimelineTree tree, List<WalRange> ranges,
                                 WalSegmentSize size) {
        Instant reachedAt = backup.stopTime();
        for (Leg leg : legs(backup, target, tree, size)) {
            List<WalRange> onTimeline = ranges.stream().filter(r -> r.timeline().equals(leg.timeline()))
                    .sorted(Comparator.comparing(WalRange::first)).toList();
            Optional<WalRange> first = onTimeline.stream().filter(r -> contains(r, leg.from(), size)).findFirst();
            if (first.isEmpty()) {
                boolean laterWal = onTimeline.stream().anyMatch(r -> parse(r.last(), size).compareTo(leg.from()) > 0);
                if (leg.to() == null && !laterWal) {
                    return Optional.empty(); // the archive simply ends here
                }
                return Optional.of(new WalGap(leg.from().fileName(), leg.from().startLsn(), reachedAt));
            }
            WalRange run = first.get();
            WalSegmentName last = parse(run.last(), size);
            reachedAt = run.lastArchivedAt();
            boolean covered = leg.to() == null
                    ? onTimeline.stream().noneMatch(r -> parse(r.first(), size).compareTo(last) > 0)
                    : last.compareTo(leg.to()) >= 0;
            if (!covered) {
                return Optional.of(new WalGap(last.next().fileName(), last.next().startLsn(), reachedAt));
            }
        }
        return Optional.empty();
    }

    /** The timelines recovery walks from the backup to the target, each with the segments it needs there. */
    private static List<Leg> legs(BackupManifest backup, TimelineId target, TimelineTree tree, WalSegmentSize size) {
        List<TimelineId> path = new ArrayList<>();
        List<Lsn> switches = new ArrayList<>();
        path.add(backup.timeline());
        if (!backup.timeline().equals(target)) {
            // the target's history lists its ancestors oldest first, each with where its successor branched off
            Optional<TimelineHistory> history = tree.history(target);
            boolean onPath = false;
            for (TimelineHistory.Entry e : history.map(TimelineHistory::entries).orElse(List.of())) {
                if (e.parent().equals(backup.timeline())) {
                    onPath = true;
                } else if (onPath) {
                    path.add(e.parent());
                }
                if (onPath) {
                    switches.add(e.switchPoint());
                }
            }
            path.add(target);
        }
        List<Leg> legs = new ArrayList<>();
        WalSegmentName from = parse(backup.stopWal(), size).next();
        for (int i = 0; i < path.size(); i++) {
            TimelineId tl = path.get(i);
            if (i < switches.size()) {
                Lsn sw = switches.get(i);
                // the segment holding the switch point is read from the new timeline, which has a copy of it
                WalSegmentName to = WalSegmentName.containing(tl, sw, size);
                to = to.segmentNumber() == 0 ? to : to.previous();
                legs.add(new Leg(tl, from.onTimeline(tl), to));
                from = WalSegmentName.containing(path.get(i + 1), sw, size);
            } else {
                legs.add(new Leg(tl, from.onTimeline(tl), null));
            }
        }
        return legs.stream().filter(l -> l.to() == null || l.to().compareTo(l.from()) >= 0).toList();
    }

    private static boolean contains(WalRange r, WalSegmentName s, WalSegmentSize size) {
        return parse(r.first(), size).compareTo(s) <= 0 && parse(r.last(), size).compareTo(s) >= 0;
    }

    private static WalSegmentName parse(String name, WalSegmentSize size) {
        return WalSegmentName.parse(name, size);
    }
}
