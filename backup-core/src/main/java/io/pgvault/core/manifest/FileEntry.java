package io.pgvault.core.manifest;

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
 * @param sha256     SHA-256 of the original content (files); null for a file split into ranges, whose chunks carry
 *                   one each (see {@link #ranged()})
 * @param linkTarget where a link points (links)
 * @param chunks     where the content lives (files; empty for empty files)
 */
public record FileEntry(String path, EntryKind kind, long size, int mode, long mtime, String sha256,
                        String linkTarget, List<Chunk> chunks) {

    public FileEntry {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(kind, "kind");
        chunks = chunks == null ? List.of() : List.copyOf(chunks);
        if (path.startsWith("/") || path.contains("\\") || List.of(path.split("/")).contains("..")) {
            throw new IllegalArgumentException("unsafe path in manifest: " + path);
        }
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
     * True for a large file a full backup split into ranges copied in parallel: the chunks, one object each, are
     * contiguous in file order and each carries the checksums of its bytes; the file has no whole-file SHA-256
     * (no one worker read all of it). Such a file restores range by range, in parallel ({@link #parts()}).
     */
    public boolean ranged() {
        return kind == EntryKind.FILE && sha256 == null && !chunks.isEmpty()
                && chunks.stream().allMatch(c -> c.sha256() != null);
    }

    /**
     * The units a reader handles: for a {@link #ranged()} file, one entry per range (same path, the range's size and
     * SHA-256, its one chunk, whose {@code sourceOffset} says where it goes); otherwise this entry.
     */
    public List<FileEntry> parts() {
        if (!ranged()) {
            return List.of(this);
        }
        return chunks.stream().map(c -> new FileEntry(path, kind, c.sourceLength(), mode, mtime, c.sha256(), null,
                List.of(c))).toList();
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
        return chunks.size() > 1 || only.blocks() != null || only.sourceOffset() != 0 || only.sourceLength() != size;
    }
}
