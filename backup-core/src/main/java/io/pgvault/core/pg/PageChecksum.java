package io.pgvault.core.pg;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * PostgreSQL's data page checksum (src/include/storage/checksum_impl.h): 32 interleaved FNV-1a-like hashes over
 * the 8 KiB page with pd_checksum taken as zero, folded, mixed with the block number and reduced to 16 bits.
 * Page words are read little-endian, as written by the x86 and ARM servers PostgreSQL runs on.
 */
public final class PageChecksum {

    public static final int PAGE_SIZE = 8192;
    /** Pages in one 1 GiB relation segment file, to turn a segment's page index into a block number. */
    public static final long PAGES_PER_SEGMENT = 131072;

    private static final int N_SUMS = 32;
    private static final int FNV_PRIME = 16777619;
    private static final int CHECKSUM_OFFSET = 8;
    private static final int[] BASE_OFFSETS = {
        0x5B1F36E9, 0xB8525960, 0x02AB50AA, 0x1DE66D2A, 0x79FF467A, 0x9BB9F8A3, 0x217E7CD2, 0x83E13D2C,
        0xF8D4474F, 0xE39EB970, 0x42C6AE16, 0x993216FA, 0x7B093B5D, 0x98DAFF3C, 0xF718902A, 0x0B1C9CDB,
        0xE58F764B, 0x187636BC, 0x5D7B3BB1, 0xE73DE7DE, 0x92BEC979, 0xCCA6C0B2, 0x304A0979, 0x85AA43D4,
        0x783125BB, 0x6CA8EAA2, 0xE407EAC6, 0x4B5CFC3E, 0x9FBF8C76, 0x15CA20BE, 0xF2CA9FD3, 0x959BD756
    };

    private PageChecksum() {
    }

    /** Per-thread scratch for {@link #compute}: the page as little-endian words. */
    private static final ThreadLocal<int[]> WORDS = ThreadLocal.withInitial(() -> new int[PAGE_SIZE / 4]);

    /** The checksum PostgreSQL would store for the page at {@code offset} of {@code buf}, block {@code blockNo}. */
    public static int compute(byte[] buf, int offset, long blockNo) {
        int[] words = WORDS.get();
        ByteBuffer.wrap(buf, offset, PAGE_SIZE).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(words);
        words[CHECKSUM_OFFSET / 4] &= 0xFFFF0000; // pd_checksum (the low half of this word) counts as zero
        int[] sums = BASE_OFFSETS.clone();
        // row by row, each of the 32 sums taking one word: the same order as PostgreSQL's loop, and a shape the
        // JIT compiles to vector instructions
        for (int row = 0; row < words.length; row += N_SUMS) {
            for (int j = 0; j < N_SUMS; j++) {
                int tmp = sums[j] ^ words[row + j];
                sums[j] = tmp * FNV_PRIME ^ (tmp >>> 17);
            }
        }
        for (int round = 0; round < 2; round++) {
            for (int j = 0; j < N_SUMS; j++) {
                int tmp = sums[j];
                sums[j] = tmp * FNV_PRIME ^ (tmp >>> 17);
            }
        }
        int result = 0;
        for (int s : sums) {
            result ^= s;
        }
        result ^= (int) blockNo;
        return (int) (Integer.toUnsignedLong(result) % 65535) + 1;
    }

    /** The checksum stored in the page header. */
    public static int stored(byte[] buf, int offset) {
        return (buf[offset + CHECKSUM_OFFSET] & 0xff) | (buf[offset + CHECKSUM_OFFSET + 1] & 0xff) << 8;
    }

    /** The page's LSN (pd_lsn: two 32-bit halves, high first). */
    public static Lsn pageLsn(byte[] buf, int offset) {
        long hi = le32(buf, offset);
        long lo = le32(buf, offset + 4);
        return new Lsn(hi << 32 | lo);
    }

    /** A new page (pd_upper zero) is all zeros and carries no checksum. */
    public static boolean isNew(byte[] buf, int offset) {
        return (buf[offset + 14] | buf[offset + 15]) == 0;
    }

    private static long le32(byte[] b, int p) {
        return Integer.toUnsignedLong((b[p] & 0xff) | (b[p + 1] & 0xff) << 8 | (b[p + 2] & 0xff) << 16
                | (b[p + 3] & 0xff) << 24);
    }
}
