package io.pgvault.core.backup;

import io.pgvault.core.manifest.PageError;
import io.pgvault.core.pg.Lsn;
import io.pgvault.core.pg.PageChecksum;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Validates PostgreSQL page checksums of relation files as the backup reads them. A page changed after the backup
 * started (page LSN at or after the start) is not judged: it may be torn mid-write and WAL replay rewrites it.
 * A failing page is read once more before it is reported, to rule out a write racing the first read.
 * Thread-safe: workers share one checker and their findings.
 */
final class PageChecker {

    private static final Pattern RELATION = Pattern.compile("(?:base/\\d+|global|pg_tblspc/\\d+/[^/]+/\\d+)/"
            + "\\d+(?:_(?:fsm|vm|init))?(?:\\.(\\d+))?");

    private final Lsn backupStart;
    private final Queue<PageError> errors = new ConcurrentLinkedQueue<>();

    PageChecker(Lsn backupStart) {
        this.backupStart = backupStart;
    }

    /** The first block number of a relation file, or -1 when the file has no checksummed pages. */
    static long firstBlock(String path) {
        Matcher m = RELATION.matcher(path);
        if (!m.matches()) {
            return -1;
        }
        return m.group(1) == null ? 0 : Long.parseLong(m.group(1)) * PageChecksum.PAGES_PER_SEGMENT;
    }

    /**
     * Checks the whole pages in {@code buf[0..len)}, which start {@code fileOffset} bytes into the file.
     *
     * @return block numbers of corrupt pages (usually empty)
     */
    List<Long> check(SourceEntry file, long firstBlock, byte[] buf, int len, long fileOffset) throws IOException {
        List<Long> bad = null;
        for (int off = 0; off + PageChecksum.PAGE_SIZE <= len; off += PageChecksum.PAGE_SIZE) {
            long block = firstBlock + (fileOffset + off) / PageChecksum.PAGE_SIZE;
            if (!suspicious(buf, off, block)) {
                continue;
            }
            byte[] again = new byte[PageChecksum.PAGE_SIZE];
            try (FileChannel ch = FileChannel.open(file.source(), StandardOpenOption.READ)) {
                ByteBuffer bb = ByteBuffer.wrap(again);
                long pos = fileOffset + off;
                while (bb.hasRemaining() && ch.read(bb, pos + bb.position()) > 0) {
                    // fill the page
                }
                if (bb.hasRemaining() || !suspicious(again, 0, block)) {
                    continue;
                }
            }
            if (bad == null) {
                bad = new ArrayList<>();
            }
            bad.add(block);
        }
        return bad == null ? List.of() : bad;
    }

    private boolean suspicious(byte[] buf, int off, long block) {
        if (PageChecksum.isNew(buf, off) || !PageChecksum.pageLsn(buf, off).isBefore(backupStart)) {
            return false;
        }
        return PageChecksum.compute(buf, off, block) != PageChecksum.stored(buf, off);
    }

    void report(String path, List<Long> blocks) {
        if (!blocks.isEmpty()) {
            errors.add(new PageError(path, blocks));
        }
    }

    List<PageError> errors() {
        List<PageError> list = new ArrayList<>(errors);
        list.sort(java.util.Comparator.comparing(PageError::path));
        return list;
    }

}
