package io.pgvault.core.manifest;

/**
 * Where part of a file's bytes live in the repository: {@code length} stored bytes at {@code offset} of
 * {@code object} (one compressed frame), holding {@code sourceLength} original bytes from {@code sourceOffset}.
 * A whole file is one chunk; large files split into ranges and incremental page sets use several.
 *
 * @param object       object name relative to the backup's prefix, e.g. {@code data/f12.zst}
 * @param offset       byte offset of the frame in the object
 * @param length       stored (compressed) length
 * @param sourceOffset offset in the original file
 * @param sourceLength original bytes this chunk restores
 */
public record Chunk(String object, long offset, long length, long sourceOffset, long sourceLength) {
    public Chunk {
        if (offset < 0 || length < 0 || sourceOffset < 0 || sourceLength < 0) {
            throw new IllegalArgumentException("negative chunk position in " + object);
        }
    }
}
