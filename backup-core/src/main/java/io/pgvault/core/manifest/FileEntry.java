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
 * @param sha256     SHA-256 of the original content (files)
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
     * True when the content is put together from several chunks or a page set (incremental backups), rather than
     * read as one contiguous frame.
     */
    public boolean needsComposing() {
        return chunks.size() > 1 || chunks.size() == 1 && chunks.get(0).blocks() != null;
    }
}
