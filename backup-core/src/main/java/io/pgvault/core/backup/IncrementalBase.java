package io.pgvault.core.backup;

import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.manifest.Chunk;
import io.pgvault.core.manifest.EntryKind;
import io.pgvault.core.manifest.FileEntry;
import io.pgvault.core.manifest.RangeSum;
import io.pgvault.core.pg.Lsn;
import io.pgvault.core.pg.PageChecksum;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What an incremental or differential backup compares against: its parent's files. A file whose size and time equal
 * the parent's entry, last modified well before the parent started, is referenced without being read (pgBackRest's
 * rule; the margin covers coarse file-system timestamps). Main-fork relation files are stored as page sets: only
 * pages whose LSN is at or after the parent's start, new pages and pages past the parent's length.
 *
 * <p>Page sets need page LSNs that move with every change, hint bits included, which PostgreSQL guarantees only
 * while it WAL-logs hint-bit changes (data_checksums or wal_log_hints on). Without that, or when the server's
 * data_checksums changed since the parent (pg_checksums rewrites pages and keeps their LSNs), changed relation files
 * are copied whole, as every other file is.
 */
final class IncrementalBase {

    /** A file modified this close to (or after) the parent's start may have changed without its time showing it. */
    static final long MTIME_MARGIN_MILLIS = 2000;

    /** Main forks of relations (segments included): the files whose pages carry an LSN PostgreSQL maintains. */
    private static final Pattern MAIN_FORK = Pattern.compile("(?:base/\\d+|global|pg_tblspc/\\d+/[^/]+/\\d+)/"
            + "\\d+(?:\\.\\d+)?");

    private final BackupManifest parent;
    private final Map<String, FileEntry> files = new HashMap<>();
    private final long unchangedBefore;
    private final boolean pageSets;

    /**
     * @param parent        the backup compared against
     * @param dataChecksums the server's data_checksums now
     * @param walLogHints   the server's wal_log_hints now
     */
    IncrementalBase(BackupManifest parent, boolean dataChecksums, boolean walLogHints) {
        this.parent = parent;
        this.pageSets = pageSetsSafe(parent, dataChecksums, walLogHints);
        for (FileEntry f : parent.files()) {
            if (f.kind() == EntryKind.FILE) {
                files.put(f.path(), f);
            }
        }
        this.unchangedBefore = parent.startTime().toEpochMilli() - MTIME_MARGIN_MILLIS;
    }

    BackupManifest parent() {
        return parent;
    }

    /** Pages with an LSN at or after this changed since the parent started. */
    Lsn since() {
        return parent.startLsn();
    }

    /** The parent's entry for a file, or null when the parent did not have it. */
    FileEntry parentEntry(String path) {
        return files.get(path);
    }

    /**
     * The entry of a file that need not be read: the parent's, its chunks pointing at the backups that hold them.
     *
     * @return null when the file must be read
     */
    FileEntry reference(SourceEntry file) {
        FileEntry p = files.get(file.path());
        if (p == null || p.size() != file.size() || p.mtime() != file.mtime() || file.mtime() >= unchangedBefore) {
            return null;
        }
        return new FileEntry(file.path(), EntryKind.FILE, p.size(), file.mode(), p.mtime(), p.sha256(), null,
                inherited(p.chunks()), p.rangeSums(), p.crc32c());
    }

    /**
     * The parent's checksums of the range of a file that starts at {@code offset}, when the parent read the file in
     * ranges; null otherwise. A range whose pages all predate the parent's start holds the same bytes as that range
     * did, so it has the same checksums if it also has the same length.
     */
    RangeSum parentSum(String path, long offset) {
        FileEntry p = files.get(path);
        if (p == null) {
            return null;
        }
        for (RangeSum r : p.sums()) {
            if (r.offset() == offset) {
                return r;
            }
        }
        return null;
    }

    /**
     * True when every chunk of the parent's entry for a file lies within one range of {@code rangeSize} bytes (as
     * the ranges of a full backup with that range size do), so the file can be stored as page sets range by range
     * and each range restored without reading another's bytes.
     */
    boolean rangesAligned(String path, long rangeSize) {
        FileEntry p = files.get(path);
        if (p == null || rangeSize <= 0) {
            return false;
        }
        long blocksPerRange = rangeSize / PageChecksum.PAGE_SIZE;
        for (Chunk c : p.chunks()) {
            java.util.BitSet blocks = c.heldBlocks();
            if (!blocks.isEmpty() && blocks.nextSetBit(0) / blocksPerRange != (blocks.length() - 1) / blocksPerRange) {
                return false;
            }
        }
        return true;
    }

    /** Chunks of the parent as this backup's manifest lists them. */
    List<Chunk> inherited(List<Chunk> chunks) {
        return chunks.stream().map(c -> c.heldBy(parent.id())).toList();
    }

    /**
     * True when page LSNs show every change since {@code parent} started: hint-bit changes were WAL-logged then and
     * are now, and data_checksums is as it was.
     */
    static boolean pageSetsSafe(BackupManifest parent, boolean dataChecksums, boolean walLogHints) {
        return parent.hintBitsLogged() && (dataChecksums || walLogHints)
                && Boolean.valueOf(dataChecksums).equals(parent.dataChecksums());
    }

    /** True when changed main-fork files are stored as page sets rather than whole. */
    boolean pageSets() {
        return pageSets;
    }

    /** True for a file stored as a page set when it changed. */
    boolean pageLevel(String path) {
        return pageSets && MAIN_FORK.matcher(path).matches();
    }
}
