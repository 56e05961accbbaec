package io.pgvault.core.manifest;

import com.fasterxml.jackson.annotation.JsonCreator;
import io.pgvault.core.pg.PageChecksum;
import io.pgvault.core.repo.BackupId;
import java.util.BitSet;

/**
 * Where part of a file's bytes live in the repository: {@code length} stored bytes at {@code offset} of
 * {@code object} (one compressed frame), holding {@code sourceLength} original bytes from {@code sourceOffset}.
 * A whole file is one chunk; large files split into ranges and incremental page sets use several.
 *
 * <p>Incremental backups add two optional fields, absent (null) in full backups: {@code backup}, the ancestor whose
 * prefix holds the object (null: this backup), and {@code blocks}, which makes the chunk a page set: its frame holds
 * the 8 KiB pages of exactly these block numbers of the file, ascending (see {@link BlockRanges}); the last page may
 * be short when the file ends inside it. A file with several chunks lists them newest first: each block is taken from
 * the first chunk that holds it.
 *
 * @param object       object name relative to the backup's prefix, e.g. {@code data/f12.zst}
 * @param offset       byte offset of the frame in the object
 * @param length       stored (compressed) length
 * @param sourceOffset offset in the original file (page sets: of their first block)
 * @param sourceLength original bytes this chunk restores
 * @param backup       the backup holding the object, null for the backup of the manifest
 * @param blocks       block ranges of a page set, e.g. {@code "0-3,9"}; null for a contiguous range
 * @param sha256       SHA-256 of the chunk's original bytes, set on the ranges of a file split across workers (see
 *                     {@link FileEntry#ranged()}); null otherwise
 * @param crc32c       CRC-32C of the same bytes as 8 hex digits, set with {@code sha256}: ranges' CRCs combine into
 *                     the whole file's, which PostgreSQL's backup_manifest can carry
 */
public record Chunk(String object, long offset, long length, long sourceOffset, long sourceLength, BackupId backup,
                    String blocks, String sha256, String crc32c) {
    @JsonCreator
    public Chunk {
        if (offset < 0 || length < 0 || sourceOffset < 0 || sourceLength < 0) {
            throw new IllegalArgumentException("negative chunk position in " + object);
        }
        if (blocks != null) {
            BlockRanges.parse(blocks); // fails loudly on a malformed list
        }
        if ((sha256 == null) != (crc32c == null) || sha256 != null && blocks != null) {
            throw new IllegalArgumentException("chunk of " + object + " has a range checksum half set or on a page set");
        }
    }

    /** A chunk without range checksums. */
    public Chunk(String object, long offset, long length, long sourceOffset, long sourceLength, BackupId backup,
                 String blocks) {
        this(object, offset, length, sourceOffset, sourceLength, backup, blocks, null, null);
    }

    /** A contiguous chunk in the manifest's own backup. */
    public Chunk(String object, long offset, long length, long sourceOffset, long sourceLength) {
        this(object, offset, length, sourceOffset, sourceLength, null, null);
    }

    /** This chunk as a later backup's manifest refers to it: {@code owner} is the manifest that lists it now. */
    public Chunk heldBy(BackupId owner) {
        return backup != null ? this : new Chunk(object, offset, length, sourceOffset, sourceLength, owner, blocks,
                sha256, crc32c);
    }

    /**
     * The block numbers (8 KiB pages of the file) this chunk holds: a page set's blocks, or those a contiguous range
     * spans (its last page may be short).
     */
    public BitSet heldBlocks() {
        if (blocks != null) {
            return BlockRanges.parse(blocks);
        }
        BitSet set = new BitSet();
        int first = (int) (sourceOffset / PageChecksum.PAGE_SIZE);
        set.set(first, first + (int) ((sourceLength + PageChecksum.PAGE_SIZE - 1) / PageChecksum.PAGE_SIZE));
        return set;
    }

    /** The backup whose prefix holds the object, given the id of the manifest listing this chunk. */
    public BackupId backupOr(BackupId manifestId) {
        return backup == null ? manifestId : backup;
    }
}
