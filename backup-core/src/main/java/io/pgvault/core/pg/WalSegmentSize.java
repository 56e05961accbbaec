package io.pgvault.core.pg;

/** A WAL segment size: a power of two from 1 MiB to 1 GiB, as initdb --wal-segsize allows. */
public record WalSegmentSize(long bytes) {

    public static final WalSegmentSize DEFAULT = new WalSegmentSize(16L * 1024 * 1024);

    public WalSegmentSize {
        if (bytes < 1024 * 1024 || bytes > 1024L * 1024 * 1024 || Long.bitCount(bytes) != 1) {
            throw new IllegalArgumentException("invalid WAL segment size " + bytes
                    + ": must be a power of two from 1 MiB to 1 GiB");
        }
    }

    /** Segments per 4 GiB "log id", the middle part of a segment file name. */
    public long segmentsPerLogId() {
        return 0x100000000L / bytes;
    }
}
