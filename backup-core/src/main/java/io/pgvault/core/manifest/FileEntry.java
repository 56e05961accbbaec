package io.pgvault.core.manifest;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.pgvault.core.pg.PageChecksum;
import io.pgvault.core.stream.Crc32c;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One entry of a backup: a file, a directory or a symbolic link, by its path relative to the data directory
 * (tablespace contents appear under {@code pg_tblspc/<oid>/}).
 *
 * @param path       relative path with '/' separators
 * @param kind       file, directory or link
 * @param size       original size in bytes (files)
 * @param mode       POSIX permission bits
 * @param mtime      modification time, epoch milliseconds
 * @param sha256     SHA-256 of the original content (files); null for a file split into ranges, which carry one
 *                   each (see {@link #ranged()})
 * @param linkTarget where a link points (links)
 * @param chunks     where the content lives (files; empty for empty files)
 * @param rangeSums  the checksums of each range of a file an incremental backup read in ranges on parallel workers
 *                   and stored as page sets: the ranges are contiguous from offset 0 and each is put together from
 *                   the chunks that hold its blocks; empty otherwise (absent from manifests written before)
 * @param crc32c     CRC-32C of the whole content as 8 hex digits, set with {@code sha256} (a file split into ranges
 *                   has one per range instead); restore checks it, which costs a tenth of re-hashing with SHA-256.
 *                   Null in manifests written before pgvault recorded it: restore then checks the SHA-256
 */
public record FileEntry(String path, EntryKind kind, long size, int mode, long mtime, String sha256,
                        String linkTarget, List<Chunk> chunks,
                        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<RangeSum> rangeSums,
                        @JsonInclude(JsonInclude.Include.NON_NULL) String crc32c) {

    public FileEntry {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(kind, "kind");
        chunks = chunks == null ? List.of() : List.copyOf(chunks);
        rangeSums = rangeSums == null ? List.of() : List.copyOf(rangeSums);
        // a whole file's ranges run from 0 to its size; a part (parts()) has its one range and that range's SHA-256
        long next = sha256 != null && rangeSums.size() == 1 ? rangeSums.get(0).offset() : 0;
        long from = next;
        for (RangeSum r : rangeSums) {
            if (r.offset() != next) {
                throw new IllegalArgumentException("ranges of " + path + " are not contiguous at " + r.offset());
            }
            next = r.end();
        }
        if (!rangeSums.isEmpty() && next - from != size) {
            throw new IllegalArgumentException("ranges of " + path + " cover " + (next - from) + " of " + size
                    + " bytes");
        }
        if (crc32c != null && (sha256 == null || !Crc32c.isHex(crc32c))) {
            throw new IllegalArgumentException("CRC-32C of " + path + " is not 8 hex digits next to a SHA-256: "
                    + crc32c);
        }
        if (path.startsWith("/") || path.contains("\\") || List.of(path.split("/")).contains("..")) {
            throw new IllegalArgumentException("unsafe path in manifest: " + path);
        }
    }

    /** An entry without range checksums or a whole-file CRC-32C. */
    public FileEntry(String path, EntryKind kind, long size, int mode, long mtime, String sha256, String linkTarget,
                     List<Chunk> chunks) {
        this(path, kind, size, mode, mtime, sha256, linkTarget, chunks, List.of(), null);
    }

    /** An entry without a whole-file CRC-32C. */
    public FileEntry(String path, EntryKind kind, long size, int mode, long mtime, String sha256, String linkTarget,
                     List<Chunk> chunks, List<RangeSum> rangeSums) {
        this(path, kind, size, mode, mtime, sha256, linkTarget, chunks, rangeSums, null);
    }

    /**
     * The CRC-32C of this entry's content, as a restore checks it: the whole file's, or a part's range's
     * ({@link #parts()}); null when the manifest has none (written before pgvault recorded it), and for a whole
     * {@link #ranged()} file, whose ranges carry theirs.
     */
    public String contentCrc32c() {
        if (crc32c != null) {
            return crc32c;
        }
        return sha256 != null && rangeSums.size() == 1 ? rangeSums.get(0).crc32c() : null;
    }

    public static FileEntry directory(String path, int mode, long mtime) {
        return new FileEntry(path, EntryKind.DIRECTORY, 0, mode, mtime, null, null, List.of());
    }

    public static FileEntry link(String path, String target, long mtime) {
        return new FileEntry(path, EntryKind.LINK, 0, 0777, mtime, null, target, List.of());
    }

    /** Bytes this backup stored for the entry (chunks held by ancestors not counted). */
    public long storedSize() {
        return chunks.stream().filter(c -> c.backup() == null).mapToLong(Chunk::length).sum();
    }

    /**
     * True for a large file read in ranges on parallel workers, so that no one worker read all of it and the file has
     * no whole-file SHA-256; each range carries its own checksums instead ({@link #sums()}). A full backup stores each
     * range as one chunk, contiguous in file order, the checksums on the chunk; an incremental that stores page sets
     * lists the checksums in {@link #rangeSums()}. Such a file restores range by range, in parallel
     * ({@link #parts()}).
     */
    public boolean ranged() {
        return kind == EntryKind.FILE && sha256 == null && (!rangeSums.isEmpty()
                || !chunks.isEmpty() && chunks.stream().allMatch(c -> c.sha256() != null));
    }

    /** The checksums of each range of a {@link #ranged()} file, in file order; empty for other entries. */
    public List<RangeSum> sums() {
        if (!ranged()) {
            return List.of();
        }
        if (!rangeSums.isEmpty()) {
            return rangeSums;
        }
        return chunks.stream().map(c -> new RangeSum(c.sourceOffset(), c.sourceLength(), c.sha256(), c.crc32c()))
                .toList();
    }

    /**
     * The units a reader handles: for a {@link #ranged()} file, one entry per range (same path, the range's size and
     * SHA-256, the range as its one {@link #rangeSums()} entry, which says where it goes, see {@link #offsetInFile()},
     * and the chunks that hold its bytes); otherwise this entry.
     */
    public List<FileEntry> parts() {
        if (!ranged()) {
            return List.of(this);
        }
        List<FileEntry> parts = new ArrayList<>();
        if (rangeSums.isEmpty()) {
            for (Chunk c : chunks) {
                parts.add(new FileEntry(path, kind, c.sourceLength(), mode, mtime, c.sha256(), null, List.of(c),
                        List.of(new RangeSum(c.sourceOffset(), c.sourceLength(), c.sha256(), c.crc32c()))));
            }
            return parts;
        }
        for (RangeSum r : rangeSums) {
            List<Chunk> holding = chunks.stream().filter(c -> overlaps(c, r)).toList();
            parts.add(new FileEntry(path, kind, r.length(), mode, mtime, r.sha256(), null, holding, List.of(r)));
        }
        return parts;
    }

    /** Where this entry's bytes start in the file: a part's range offset ({@link #parts()}), else 0. */
    public long offsetInFile() {
        return sha256 != null && rangeSums.size() == 1 ? rangeSums.get(0).offset() : 0;
    }

    /** True when a chunk holds some of the bytes of a range. */
    private static boolean overlaps(Chunk c, RangeSum r) {
        int next = c.heldBlocks().nextSetBit((int) (r.offset() / PageChecksum.PAGE_SIZE));
        return next >= 0 && (long) next * PageChecksum.PAGE_SIZE < r.end();
    }

    /**
     * True when the content is put together from several chunks or a page set (incremental backups), rather than
     * read as one contiguous frame or range by range.
     */
    public boolean needsComposing() {
        if (ranged() || chunks.isEmpty()) {
            return false;
        }
        Chunk only = chunks.get(0);
        return chunks.size() > 1 || only.blocks() != null || only.sourceOffset() != offsetInFile()
                || only.sourceLength() != size;
    }
}
