package io.pgvault.core.stream;

import java.util.HexFormat;
import java.util.zip.CRC32C;

/**
 * CRC-32C helpers beyond {@link CRC32C}: the CRC of two pieces joined, from the pieces' CRCs and the second's length
 * (the GF(2) matrix method of zlib's crc32_combine, with CRC-32C's reflected polynomial), so ranges of a file checked
 * on different threads add up to the whole file's CRC without reading it again.
 */
public final class Crc32c {

    private static final int POLYNOMIAL = 0x82F63B78; // reflected 0x1EDC6F41

    private Crc32c() {
    }

    /** CRC-32C of {@code a} followed by {@code b}, given {@code crcA}, {@code crcB} and the length of {@code b}. */
    public static int combine(int crcA, int crcB, long lengthB) {
        if (lengthB <= 0) {
            return crcA;
        }
        int[] even = new int[32];
        int[] odd = new int[32];
        odd[0] = POLYNOMIAL; // the operator for one zero bit
        int row = 1;
        for (int n = 1; n < 32; n++) {
            odd[n] = row;
            row <<= 1;
        }
        square(even, odd); // two zero bits
        square(odd, even); // four zero bits
        int crc = crcA;
        long len = lengthB;
        do { // apply len zero bytes to crcA, one bit of len at a time
            square(even, odd);
            if ((len & 1) != 0) {
                crc = times(even, crc);
            }
            len >>= 1;
            if (len == 0) {
                break;
            }
            square(odd, even);
            if ((len & 1) != 0) {
                crc = times(odd, crc);
            }
            len >>= 1;
        } while (len != 0);
        return crc ^ crcB;
    }

    /** Eight lower-case hex digits of a CRC value, most significant first. */
    public static String hex(int crc) {
        return HexFormat.of().toHexDigits(crc);
    }

    /** True for eight lower-case hex digits, as {@link #hex} writes them. */
    public static boolean isHex(String text) {
        if (text == null || text.length() != 8) {
            return false;
        }
        for (int i = 0; i < 8; i++) {
            char c = text.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    public static int parse(String hex) {
        if (!isHex(hex)) {
            throw new IllegalArgumentException("not a CRC-32C of 8 hex digits: " + hex);
        }
        return Integer.parseUnsignedInt(hex, 16);
    }

    private static int times(int[] matrix, int vector) {
        int sum = 0;
        for (int i = 0; vector != 0; i++, vector >>>= 1) {
            if ((vector & 1) != 0) {
                sum ^= matrix[i];
            }
        }
        return sum;
    }

    private static void square(int[] result, int[] matrix) {
        for (int n = 0; n < 32; n++) {
            result[n] = times(matrix, matrix[n]);
        }
    }
}
