package io.pgvault.core.manifest;

import java.util.BitSet;

/**
 * The compact text form of a set of block numbers in a manifest: ascending ranges, e.g. {@code "0-3,9,12-40"}.
 * Incremental page sets use it so a file's changed blocks take a few bytes, not one number each.
 */
public final class BlockRanges {

    private BlockRanges() {
    }

    /** Builds the text form while blocks arrive in ascending order, without holding them. */
    public static final class Builder {
        private final StringBuilder text = new StringBuilder();
        private long start = -1;
        private long end = -1;
        private long count;

        /** Adds a block larger than every block added before. */
        public void add(long block) {
            if (block <= end) {
                throw new IllegalArgumentException("blocks must ascend: " + block + " after " + end);
            }
            count++;
            if (start >= 0 && block == end + 1) {
                end = block;
                return;
            }
            flush();
            start = block;
            end = block;
        }

        public long count() {
            return count;
        }

        private void flush() {
            if (start < 0) {
                return;
            }
            if (text.length() > 0) {
                text.append(',');
            }
            text.append(start);
            if (end > start) {
                text.append('-').append(end);
            }
        }

        public String build() {
            flush();
            start = -1;
            String s = text.toString();
            text.setLength(0);
            return s;
        }
    }

    /**
     * Parses the text form into a set of block numbers.
     *
     * @throws IllegalArgumentException naming the text when ranges are malformed or do not ascend
     */
    public static BitSet parse(String text) {
        BitSet set = new BitSet();
        if (text.isEmpty()) {
            return set;
        }
        long last = -1;
        for (String part : text.split(",")) {
            int dash = part.indexOf('-');
            long from;
            long to;
            try {
                from = Long.parseLong(dash < 0 ? part : part.substring(0, dash));
                to = dash < 0 ? from : Long.parseLong(part.substring(dash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("malformed block ranges '" + text + "'");
            }
            if (from <= last || to < from || to >= Integer.MAX_VALUE) {
                throw new IllegalArgumentException("block ranges '" + text + "' do not ascend");
            }
            set.set((int) from, (int) to + 1);
            last = to;
        }
        return set;
    }
}
