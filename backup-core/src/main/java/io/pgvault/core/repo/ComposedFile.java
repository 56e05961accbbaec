package io.pgvault.core.repo;

import io.pgvault.core.manifest.Chunk;
import io.pgvault.core.manifest.FileEntry;
import io.pgvault.core.pg.PageChecksum;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * The original bytes of a file an incremental backup stores as several chunks (its own page set, then its ancestors'
 * chunks, newest first), produced in file order. Each block comes from the first chunk that holds it; every chunk's
 * frame is opened only when first needed and only read forward, so at most one stream per chunk is open and memory
 * stays at a block bitmap per chunk, whatever the file size. A part of a ranged file ({@link FileEntry#parts()})
 * produces only its range: blocks before it are skipped in the frames that hold them.
 */
final class ComposedFile extends InputStream {

    /** Opens the decompressed frame of a chunk. */
    @FunctionalInterface
    interface FrameOpener {
        InputStream open(Chunk chunk) throws IOException;
    }

    static final int PAGE = PageChecksum.PAGE_SIZE;

    /** One chunk's blocks and its frame, read up to {@code next}. */
    private static final class Source {
        final Chunk chunk;
        final BitSet blocks;
        InputStream in;
        int next = -1;

        Source(Chunk chunk) {
            this.chunk = chunk;
            if (chunk.blocks() == null && chunk.sourceOffset() % PAGE != 0) {
                throw new IllegalArgumentException("chunk at " + chunk.sourceOffset() + " is not page aligned");
            }
            blocks = chunk.heldBlocks();
        }
    }

    private final FileEntry file;
    private final FrameOpener opener;
    private final List<Source> sources = new ArrayList<>();
    private final byte[] page = new byte[PAGE];
    /** Where the content ends in the file (exclusive). */
    private final long end;
    private final long endBlock;
    private long block;
    private int pagePos;
    private int pageLen;

    ComposedFile(FileEntry file, FrameOpener opener) {
        this.file = file;
        this.opener = opener;
        file.chunks().forEach(c -> sources.add(new Source(c)));
        long start = file.offsetInFile();
        if (start % PAGE != 0) {
            throw new IllegalArgumentException(file.path() + ": range at " + start + " is not page aligned");
        }
        this.end = start + file.size();
        this.block = start / PAGE;
        this.endBlock = (end + PAGE - 1) / PAGE;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (pagePos == pageLen) {
            if (block >= endBlock) {
                return -1;
            }
            loadBlock((int) block++);
        }
        int n = Math.min(len, pageLen - pagePos);
        System.arraycopy(page, pagePos, b, off, n);
        pagePos += n;
        return n;
    }

    private void loadBlock(int b) throws IOException {
        int want = (int) Math.min(PAGE, end - (long) b * PAGE);
        for (Source s : sources) {
            if (!s.blocks.get(b)) {
                continue;
            }
            if (s.in == null) {
                s.in = opener.open(s.chunk);
                s.next = s.blocks.nextSetBit(0);
            }
            while (s.next < b) { // pages of blocks a newer chunk supersedes
                skipPage(s);
            }
            int n = s.in.readNBytes(page, 0, PAGE);
            s.next = s.blocks.nextSetBit(b + 1);
            if (n < want) {
                throw new IOException(file.path() + ": block " + b + " in " + s.chunk.object() + " has " + n
                        + " bytes, expected " + want);
            }
            pagePos = 0;
            pageLen = want;
            return;
        }
        throw new IOException(file.path() + ": no backup of the chain holds block " + b);
    }

    private static void skipPage(Source s) throws IOException {
        long left = PAGE;
        while (left > 0) {
            long k = s.in.skip(left);
            if (k <= 0) {
                if (s.in.read() < 0) {
                    break; // a short last page
                }
                k = 1;
            }
            left -= k;
        }
        s.next = s.blocks.nextSetBit(s.next + 1);
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (Source s : sources) {
            if (s.in != null) {
                try {
                    s.in.close();
                } catch (IOException e) {
                    first = first == null ? e : first;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
