package io.pgvault.core.manifest;

import java.util.Objects;

/**
 * The checksums of one range of a file that parallel workers read in ranges: {@code length} original bytes from
 * {@code offset}. A restore or verify of the range checks its SHA-256; the ranges' CRC-32Cs combine into the file's,
 * which PostgreSQL's backup_manifest can carry.
 *
 * @param offset where the range starts in the file, a multiple of 8 KiB
 * @param length its original bytes
 * @param sha256 SHA-256 of those bytes, hex
 * @param crc32c CRC-32C of the same bytes as 8 hex digits
 */
public record RangeSum(long offset, long length, String sha256, String crc32c) {

    public RangeSum {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("negative range position " + offset + "+" + length);
        }
        Objects.requireNonNull(sha256, "sha256");
        Objects.requireNonNull(crc32c, "crc32c");
    }

    /** The range's end in the file (exclusive). */
    public long end() {
        return offset + length;
    }
}
