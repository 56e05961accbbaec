package io.pgvault.core.pg;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * The long page header at the start of every WAL segment, which names the cluster (system identifier) and the segment
 * size. Read by wal-push to refuse WAL from another cluster before it reaches the repository.
 */
public record WalSegmentHeader(long systemIdentifier, long segmentSize, long pageAddress, long timeline) {

    /** Bytes needed to parse the header. */
    public static final int LENGTH = 40;
    private static final int XLP_LONG_HEADER = 0x0002;

    /** Parses the first bytes of a segment (little-endian, as written on the x86/ARM hosts PostgreSQL runs on). */
    public static Optional<WalSegmentHeader> parse(byte[] first) {
        if (first.length < LENGTH) {
            return Optional.empty();
        }
        ByteBuffer b = ByteBuffer.wrap(first).order(ByteOrder.LITTLE_ENDIAN);
        int info = Short.toUnsignedInt(b.getShort(2));
        if ((info & XLP_LONG_HEADER) == 0) {
            return Optional.empty();
        }
        long tli = Integer.toUnsignedLong(b.getInt(4));
        long pageAddr = b.getLong(8);
        long sysid = b.getLong(24);
        long segSize = Integer.toUnsignedLong(b.getInt(32));
        return Optional.of(new WalSegmentHeader(sysid, segSize, pageAddr, tli));
    }
}
