package io.pgvault.core.pg;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A parsed timeline history file: for each ancestor timeline, the LSN at which the next timeline branched off.
 * Lines are {@code parentTLI <tab> switchpoint <tab> reason}; blank lines and {@code #} comments are skipped.
 */
public record TimelineHistory(TimelineId timeline, List<Entry> entries) {

    /** The parent timeline and where its successor branched off it. */
    public record Entry(TimelineId parent, Lsn switchPoint, String reason) {
    }

    public TimelineHistory {
        entries = List.copyOf(entries);
    }

    /**
     * Parses the content of {@code <timeline>.history}.
     *
     * @throws IllegalArgumentException naming the line when it is malformed
     */
    public static TimelineHistory parse(TimelineId timeline, String content) {
        List<Entry> entries = new ArrayList<>();
        for (String raw : content.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.split("\\s+", 3);
            if (parts.length < 2) {
                throw new IllegalArgumentException("malformed line in " + timeline.hex() + ".history: " + line);
            }
            entries.add(new Entry(TimelineId.parseDecimal(parts[0]), Lsn.parse(parts[1]),
                    parts.length > 2 ? parts[2] : ""));
        }
        return new TimelineHistory(timeline, entries);
    }

    /** True when {@code other} is this timeline or one of its ancestors. */
    public boolean descendsFrom(TimelineId other) {
        return timeline.equals(other) || entries.stream().anyMatch(e -> e.parent().equals(other));
    }

    /** Where this timeline's history leaves {@code ancestor}, or empty when it is not an ancestor. */
    public Optional<Lsn> switchPointFrom(TimelineId ancestor) {
        return entries.stream().filter(e -> e.parent().equals(ancestor)).map(Entry::switchPoint).findFirst();
    }
}
