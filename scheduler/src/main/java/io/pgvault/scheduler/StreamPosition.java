package io.pgvault.scheduler;

import io.pgvault.core.pg.Lsn;
import io.pgvault.core.pg.TimelineId;
import io.pgvault.core.pg.WalSegmentName;
import io.pgvault.core.pg.WalSegmentSize;
import java.util.function.Predicate;

/**
 * Where streaming starts, and how received WAL splits at segment boundaries. Pure arithmetic, no I/O.
 *
 * <p>Why the start never leaves a gap: the streamer acknowledges to the server (flush position) only WAL that is
 * durable in the repository — whole segments, or the growing segment's uploaded .partial. So everything before the
 * slot's restart_lsn is in the repository, and the server keeps every segment from the one holding restart_lsn
 * (it removes WAL a whole segment at a time). Streaming therefore starts in the segment holding restart_lsn:
 * <ul>
 *   <li>at the first segment from there on that the repository does not hold in full (archive_command in mode
 *       {@code both}, or a push whose acknowledgement was lost, may have stored some already), but never beyond the
 *       segment the server is writing;</li>
 *   <li>within that segment, after the bytes the local spool file already holds (written by an earlier session and
 *       fsynced before anything was acknowledged); without a local file, at the segment's start — re-receiving bytes
 *       is harmless, skipping some would be a gap.</li>
 * </ul>
 * Starting at restart_lsn itself would be wrong when restart_lsn is inside a segment whose start is not stored: the
 * segment file needs its first bytes too. Starting at the repository's end would be wrong when it is before
 * restart_lsn's segment (WAL the server no longer has: a new slot) — that hole is reported, not hidden.
 */
final class StreamPosition {

    private StreamPosition() {
    }

    /**
     * The LSN to request in START_REPLICATION.
     *
     * @param restart       the slot's restart_lsn
     * @param serverEnd     the server's current WAL end (IDENTIFY_SYSTEM xlogpos)
     * @param stored        whether the repository holds a segment in full
     * @param localBytes    bytes the local spool file of a segment holds (0 when there is none)
     */
    static Lsn resumeAt(TimelineId timeline, Lsn restart, Lsn serverEnd, WalSegmentSize size,
                        Predicate<WalSegmentName> stored, java.util.function.ToLongFunction<WalSegmentName> localBytes) {
        WalSegmentName segment = WalSegmentName.containing(timeline, restart, size);
        WalSegmentName writing = WalSegmentName.containing(timeline, serverEnd, size);
        while (segment.compareTo(writing) < 0 && stored.test(segment)) {
            segment = segment.next();
        }
        long local = Math.max(0, Math.min(localBytes.applyAsLong(segment), size.bytes() - 1));
        return segment.startLsn().plus(local);
    }

    /** Bytes from {@code at} to the end of its segment: how much of a received message goes into that segment. */
    static long roomInSegment(Lsn at, WalSegmentSize size) {
        return size.bytes() - Long.remainderUnsigned(at.value(), size.bytes());
    }

    /** Offset of {@code at} within its segment. */
    static long offsetInSegment(Lsn at, WalSegmentSize size) {
        return Long.remainderUnsigned(at.value(), size.bytes());
    }

    /** The slot name for a cluster: {@code pgvault_<cluster>}, lower case, other characters as '_', at most 63. */
    static String defaultSlotName(String cluster) {
        String s = ("pgvault_" + cluster).toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        return s.length() > 63 ? s.substring(0, 63) : s;
    }

    /**
     * Checks a slot name as PostgreSQL does (lower-case letters, digits, underscore, at most 63 characters).
     *
     * @throws IllegalArgumentException naming the text
     */
    static String checkSlotName(String name) {
        if (name == null || !name.matches("[a-z0-9_]{1,63}")) {
            throw new IllegalArgumentException("invalid replication slot name '" + name
                    + "': use lower-case letters, digits and '_', at most 63 characters");
        }
        return name;
    }
}
