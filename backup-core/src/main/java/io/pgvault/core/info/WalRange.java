package io.pgvault.core.info;

import io.pgvault.core.pg.TimelineId;
import java.time.Instant;

/**
 * A run of consecutive archived segments on one timeline.
 *
 * @param timeline       the timeline
 * @param first          first segment
 * @param last           last segment
 * @param segments       how many
 * @param lastArchivedAt when the newest segment of the run was archived
 * @param lastPartial    true when the last segment is only a streamed {@code .partial} (the growing segment): its
 *                       valid records end somewhere inside it
 */
public record WalRange(TimelineId timeline, String first, String last, long segments, Instant lastArchivedAt,
                       boolean lastPartial) {

    /** A run of whole segments. */
    public WalRange(TimelineId timeline, String first, String last, long segments, Instant lastArchivedAt) {
        this(timeline, first, last, segments, lastArchivedAt, false);
    }
}
