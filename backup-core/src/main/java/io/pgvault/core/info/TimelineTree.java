package io.pgvault.core.info;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonValue;
import io.pgvault.core.pg.Lsn;
import io.pgvault.core.pg.TimelineHistory;
import io.pgvault.core.pg.TimelineId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The timelines of a cluster as its archive knows them: each timeline, the timeline it branched from and where. Built
 * from the archived {@code <timeline>.history} files; a timeline seen only in WAL or backups has no known parent.
 */
public final class TimelineTree {

    /**
     * One timeline.
     *
     * @param timeline    the timeline
     * @param parent      the timeline it branched from, null for the first one (or when its history is not archived)
     * @param switchPoint where it branched off its parent: the parent's WAL up to here is shared, null without parent
     * @param reason      why it was created, as PostgreSQL wrote it in the history file
     */
    public record Node(TimelineId timeline, TimelineId parent, Lsn switchPoint, String reason) {
    }

    private final Map<TimelineId, Node> nodes;
    private final Map<TimelineId, TimelineHistory> histories;

    private TimelineTree(Map<TimelineId, Node> nodes, Map<TimelineId, TimelineHistory> histories) {
        this.nodes = nodes;
        this.histories = histories;
    }

    /**
     * Builds the tree.
     *
     * @param seen      timelines seen in WAL or backups
     * @param histories parsed history files by the timeline they describe
     */
    public static TimelineTree of(Collection<TimelineId> seen, Collection<TimelineHistory> histories) {
        Map<TimelineId, TimelineHistory> byTimeline = new TreeMap<>();
        TreeSet<TimelineId> all = new TreeSet<>(seen);
        for (TimelineHistory h : histories) {
            byTimeline.put(h.timeline(), h);
            all.add(h.timeline());
            h.entries().forEach(e -> all.add(e.parent()));
        }
        Map<TimelineId, Node> nodes = new TreeMap<>();
        for (TimelineId t : all) {
            TimelineHistory h = byTimeline.get(t);
            if (h == null || h.entries().isEmpty()) {
                nodes.put(t, new Node(t, null, null, null));
            } else {
                TimelineHistory.Entry last = h.entries().get(h.entries().size() - 1);
                nodes.put(t, new Node(t, last.parent(), last.switchPoint(), last.reason()));
            }
        }
        return new TimelineTree(nodes, byTimeline);
    }

    /** Every timeline, lowest first. */
    @JsonValue
    public List<Node> nodes() {
        return new ArrayList<>(nodes.values());
    }

    /** The highest timeline: where recovery_target_timeline = latest leads. Timeline 1 for an empty archive. */
    @JsonIgnore
    public TimelineId latest() {
        return nodes.isEmpty() ? TimelineId.of(1) : ((TreeMap<TimelineId, Node>) nodes).lastKey();
    }

    public Optional<Node> node(TimelineId timeline) {
        return Optional.ofNullable(nodes.get(timeline));
    }

    /** True when {@code ancestor} is {@code timeline} itself or one of the timelines it descends from. */
    public boolean isOnPathTo(TimelineId ancestor, TimelineId timeline) {
        if (ancestor.equals(timeline)) {
            return true;
        }
        TimelineHistory h = histories.get(timeline);
        return h != null && h.entries().stream().anyMatch(e -> e.parent().equals(ancestor));
    }

    /**
     * Where the history of {@code timeline} leaves {@code ancestor}: WAL of the ancestor beyond this point is not part
     * of that timeline. Empty when they are the same timeline (no end) or not related.
     */
    public Optional<Lsn> switchPoint(TimelineId ancestor, TimelineId timeline) {
        TimelineHistory h = histories.get(timeline);
        return h == null ? Optional.empty() : h.switchPointFrom(ancestor);
    }

    /**
     * True when recovery from a backup taken on {@code from} and consistent at {@code consistentAt} can follow
     * {@code target}: {@code from} is the target or one of its ancestors, and the backup became consistent before the
     * target branched off it.
     */
    public boolean leadsTo(TimelineId from, Lsn consistentAt, TimelineId target) {
        if (from.equals(target)) {
            return true;
        }
        if (!isOnPathTo(from, target)) {
            return false;
        }
        Optional<Lsn> branch = switchPoint(from, target);
        return branch.isPresent() && !consistentAt.isAfter(branch.get());
    }

    /** The archived history of a timeline (empty for timeline 1, or when its history file is not archived). */
    public Optional<TimelineHistory> history(TimelineId timeline) {
        return Optional.ofNullable(histories.get(timeline));
    }

    /** Direct children of a timeline, lowest first. */
    public List<Node> children(TimelineId timeline) {
        return nodes.values().stream().filter(n -> timeline.equals(n.parent())).toList();
    }

    /** Timelines without a known parent, lowest first. */
    @JsonIgnore
    public List<Node> roots() {
        return nodes.values().stream().filter(n -> n.parent() == null).toList();
    }
}
