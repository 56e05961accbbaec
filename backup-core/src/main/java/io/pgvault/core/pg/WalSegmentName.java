package io.pgvault.core.pg;

import java.util.Objects;

/**
 * A WAL segment: timeline plus segment number, for a given segment size. Its file name is
 * {@code TTTTTTTTLLLLLLLLSSSSSSSS} (timeline, log id, segment within the log id), all upper-case hex.
 */
public record WalSegmentName(TimelineId timeline, long segmentNumber, WalSegmentSize segmentSize)
        implements Comparable<WalSegmentName> {

    public WalSegmentName {
        Objects.requireNonNull(timeline, "timeline");
        Objects.requireNonNull(segmentSize, "segmentSize");
        if (segmentNumber < 0) {
            throw new IllegalArgumentException("negative segment number");
        }
    }

    /** The segment that holds the byte at {@code lsn}. */
    public static WalSegmentName containing(TimelineId timeline, Lsn lsn, WalSegmentSize size) {
        return new WalSegmentName(timeline, Long.divideUnsigned(lsn.value(), size.bytes()), size);
    }

    /**
     * The segment that holds the byte just before {@code lsn} (as pg_walfile_name does), so an LSN at a segment
     * boundary names the segment it ends.
     */
    public static WalSegmentName endingAt(TimelineId timeline, Lsn lsn, WalSegmentSize size) {
        long value = lsn.value() == 0 ? 0 : lsn.value() - 1;
        return new WalSegmentName(timeline, Long.divideUnsigned(value, size.bytes()), size);
    }

    /**
     * Parses a 24-hex-digit segment file name.
     *
     * @throws IllegalArgumentException naming the text when it is not a segment name for this size
     */
    public static WalSegmentName parse(String name, WalSegmentSize size) {
        if (!isSegmentName(name)) {
            throw new IllegalArgumentException("not a WAL segment name: '" + name + "'");
        }
        TimelineId tli = TimelineId.parseHex(name.substring(0, 8));
        long log = Long.parseLong(name.substring(8, 16), 16);
        long seg = Long.parseLong(name.substring(16, 24), 16);
        if (seg >= size.segmentsPerLogId()) {
            throw new IllegalArgumentException("WAL segment name '" + name + "' is impossible for segment size "
                    + size.bytes() + " bytes");
        }
        return new WalSegmentName(tli, log * size.segmentsPerLogId() + seg, size);
    }

    /** True when the text has the shape of a segment file name (24 upper- or lower-case hex digits). */
    public static boolean isSegmentName(String name) {
        return name != null && name.length() == 24 && name.chars().allMatch(c -> Character.digit(c, 16) >= 0);
    }

    public long logId() {
        return segmentNumber / segmentSize.segmentsPerLogId();
    }

    public long segmentInLog() {
        return segmentNumber % segmentSize.segmentsPerLogId();
    }

    public String fileName() {
        return timeline.hex() + String.format("%08X%08X", logId(), segmentInLog());
    }

    /** The first 16 characters (timeline + log id), the archive's directory for this segment. */
    public String directory() {
        return fileName().substring(0, 16);
    }

    public Lsn startLsn() {
        return new Lsn(segmentNumber * segmentSize.bytes());
    }

    public Lsn endLsn() {
        return new Lsn((segmentNumber + 1) * segmentSize.bytes());
    }

    public WalSegmentName next() {
        return new WalSegmentName(timeline, segmentNumber + 1, segmentSize);
    }

    public WalSegmentName previous() {
        if (segmentNumber == 0) {
            throw new IllegalStateException("segment 0 has no predecessor");
        }
        return new WalSegmentName(timeline, segmentNumber - 1, segmentSize);
    }

    public WalSegmentName onTimeline(TimelineId other) {
        return new WalSegmentName(other, segmentNumber, segmentSize);
    }

    @Override
    public int compareTo(WalSegmentName o) {
        int byTimeline = timeline.compareTo(o.timeline);
        return byTimeline != 0 ? byTimeline : Long.compare(segmentNumber, o.segmentNumber);
    }

    @Override
    public String toString() {
        return fileName();
    }
}
