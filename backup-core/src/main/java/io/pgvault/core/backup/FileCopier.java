package io.pgvault.core.backup;

import io.pgvault.core.manifest.BlockRanges;
import io.pgvault.core.manifest.Chunk;
import io.pgvault.core.manifest.FileEntry;
import io.pgvault.core.manifest.RangeSum;
import io.pgvault.core.pg.PageChecksum;
import io.pgvault.core.stream.CountingOutputStream;
import io.pgvault.core.stream.Crc32c;
import io.pgvault.core.stream.FrameCodec;
import io.pgvault.core.stream.NonClosingOutputStream;
import io.pgvault.core.stream.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Streams one file into an open repository object as a single frame (compressed, and encrypted when the repository
 * is), hashing the original bytes on the
 * way. Never holds more than one buffer of the file. One instance per worker thread.
 */
final class FileCopier {

    private static final int BUFFER_SIZE = 256 * 1024;

    private final FrameCodec frames;
    private final BackupProgress progress;
    private final PageChecker pages;
    private final byte[] buffer = new byte[BUFFER_SIZE];
    /** For bytes hashed after the fact ({@link #copyPageRange}); allocated when first needed. */
    private byte[] again;

    /**
     * @param pages validates page checksums of relation files, or null when the cluster has no data checksums
     */
    FileCopier(FrameCodec frames, BackupProgress progress, PageChecker pages) {
        this.frames = frames;
        this.progress = progress;
        this.pages = pages;
    }

    /**
     * Appends {@code file} to {@code object} (named {@code objectName}) and describes it.
     *
     * @return the manifest entry, or null when the file vanished before it could be opened (a dropped relation;
     *         WAL replay accounts for it)
     */
    FileEntry copy(SourceEntry file, CountingOutputStream object, String objectName) throws IOException {
        InputStream in;
        try {
            in = Files.newInputStream(file.source());
        } catch (NoSuchFileException gone) {
            return null;
        }
        MessageDigest digest = Sha256.newDigest();
        CRC32C crc = new CRC32C();
        long start = object.count();
        long size;
        try (in; OutputStream compressed = openFrame(object, file.path())) {
            size = pump(file, in, 0, -1, compressed, digest, crc);
        }
        List<Chunk> chunks = size == 0 && object.count() == start ? List.of()
                : List.of(new Chunk(objectName, start, object.count() - start, 0, size));
        return new FileEntry(file.path(), file.kind(), size, file.mode(), file.mtime(),
                Sha256.hex(digest.digest()), null, chunks, List.of(), Crc32c.hex((int) crc.getValue()));
    }

    /**
     * Appends one range of a file split across workers ({@code length} bytes from {@code offset}, -1: to the end) to
     * {@code object} as one frame and describes it as a one-chunk entry carrying the range's SHA-256 and CRC-32C;
     * {@link ParallelCopy} joins the ranges of a file into its entry.
     *
     * @return the range, or null when the file vanished or ends before the range starts
     */
    FileEntry copyRange(SourceEntry file, long offset, long length, CountingOutputStream object, String objectName)
            throws IOException {
        SeekableByteChannel channel;
        try {
            channel = Files.newByteChannel(file.source(), StandardOpenOption.READ);
        } catch (NoSuchFileException gone) {
            return null;
        }
        MessageDigest digest = Sha256.newDigest();
        CRC32C crc = new CRC32C();
        long start = object.count();
        long size;
        try (channel) {
            if (channel.size() <= offset) {
                return null; // shrank since the scan: WAL replay accounts for it
            }
            channel.position(offset);
            try (OutputStream compressed = openFrame(object, file.path())) {
                size = pump(file, Channels.newInputStream(channel), offset, length, compressed, digest, crc);
            }
        }
        Chunk chunk = new Chunk(objectName, start, object.count() - start, offset, size, null, null,
                Sha256.hex(digest.digest()), Crc32c.hex((int) crc.getValue()));
        return new FileEntry(file.path(), file.kind(), size, file.mode(), file.mtime(), null, null, List.of(chunk));
    }

    /**
     * Reads {@code in} (positioned {@code from} bytes into the file) to its end or for {@code limit} bytes (-1: no
     * limit) into {@code frame}, checking pages and updating the digest and CRC on the way.
     *
     * @return bytes read
     */
    private long pump(SourceEntry file, InputStream in, long from, long limit, OutputStream frame,
                      MessageDigest digest, CRC32C crc) throws IOException {
        long firstBlock = pages == null ? -1 : PageChecker.firstBlock(file.path());
        List<Long> badBlocks = new ArrayList<>();
        long done = 0;
        int n;
        // full buffers keep pages aligned with the buffer, so each page can be checked where it lies
        while ((n = in.readNBytes(buffer, 0, limit < 0 ? buffer.length
                : (int) Math.min(buffer.length, limit - done))) > 0) {
            if (firstBlock >= 0) {
                badBlocks.addAll(pages.check(file, firstBlock, buffer, n, from + done));
            }
            digest.update(buffer, 0, n);
            crc.update(buffer, 0, n);
            frame.write(buffer, 0, n);
            done += n;
            progress.advanced(n);
        }
        if (firstBlock >= 0) {
            pages.report(file.path(), badBlocks);
        }
        return done;
    }

    /**
     * Appends the pages of a relation file that changed since {@code base}'s parent to {@code object} as one page-set
     * frame, hashing the whole file on the way, and describes the file by that page set followed by the parent's
     * chunks that still hold some of its blocks.
     *
     * @return the manifest entry, or null when the file vanished before it could be opened
     */
    FileEntry copyPages(SourceEntry file, CountingOutputStream object, String objectName, IncrementalBase base)
            throws IOException {
        FileEntry pages = copyPageRange(file, 0, -1, object, objectName, base, null);
        if (pages == null) {
            return null;
        }
        RangeSum sum = pages.rangeSums().get(0);
        return new FileEntry(file.path(), file.kind(), pages.size(), file.mode(), file.mtime(), sum.sha256(), null,
                withInherited(pages.chunks(), pages.size(), base.inherited(base.parentEntry(file.path()).chunks())),
                List.of(), sum.crc32c());
    }

    /**
     * Appends the changed pages of one range of a relation file ({@code length} bytes from {@code offset}, -1: to the
     * end) to {@code object} as one page-set frame and describes the range: its page set (no chunk when no page
     * changed) and the range's SHA-256 and CRC-32C, shaped as a part ({@link FileEntry#parts()}).
     * {@link ParallelCopy} joins the ranges of a file into its entry, adding the parent's chunks.
     *
     * <p>A range in which no page changed holds exactly the bytes the parent's range at the same place held: when
     * the parent has checksums for that range, they are taken over and the range is not hashed. The bytes are still
     * read, for the page LSNs and checksums; hashing starts (from the range's start) at the first changed page.
     *
     * @return the range, or null when the file vanished or ends before the range starts
     */
    FileEntry copyPageRange(SourceEntry file, long offset, long length, CountingOutputStream object, String objectName,
                            IncrementalBase base) throws IOException {
        return copyPageRange(file, offset, length, object, objectName, base, base.parentSum(file.path(), offset));
    }

    private FileEntry copyPageRange(SourceEntry file, long offset, long length, CountingOutputStream object,
                                    String objectName, IncrementalBase base, RangeSum unchanged) throws IOException {
        FileEntry parent = base.parentEntry(file.path());
        FileChannel channel;
        try {
            channel = FileChannel.open(file.source(), StandardOpenOption.READ);
        } catch (NoSuchFileException gone) {
            return null;
        }
        MessageDigest digest = Sha256.newDigest();
        CRC32C crc = new CRC32C();
        boolean hashing = unchanged == null;
        long start = object.count();
        long size = 0;
        long stored = 0;
        long firstBlock = pages == null ? -1 : PageChecker.firstBlock(file.path());
        long parentPages = parent.size() / PageChecksum.PAGE_SIZE;
        List<Long> badBlocks = new ArrayList<>();
        BlockRanges.Builder blocks = new BlockRanges.Builder();
        OutputStream frame = null;
        try (channel) {
            if (offset > 0 && channel.size() <= offset) {
                return null; // shrank since the scan: WAL replay accounts for it
            }
            channel.position(offset);
            InputStream in = Channels.newInputStream(channel);
            int n;
            while ((n = in.readNBytes(buffer, 0, length < 0 ? buffer.length
                    : (int) Math.min(buffer.length, length - size))) > 0) {
                long at = offset + size;
                List<Long> bad = firstBlock >= 0 ? pages.check(file, firstBlock, buffer, n, at) : List.of();
                badBlocks.addAll(bad);
                for (int off = 0; off < n; off += PageChecksum.PAGE_SIZE) {
                    int len = Math.min(PageChecksum.PAGE_SIZE, n - off);
                    long block = (at + off) / PageChecksum.PAGE_SIZE;
                    if (block < parentPages && len == PageChecksum.PAGE_SIZE && !PageChecksum.isNew(buffer, off)
                            && PageChecksum.pageLsn(buffer, off).isBefore(base.since())
                            && !bad.contains(firstBlock + block)) {
                        continue; // unchanged since the parent started: the parent's chunks hold it
                    }
                    // changed, or corrupt on disk: stored as read, so the file restores as it was read
                    if (!hashing) {
                        hashRange(channel, offset, at - offset, digest, crc);
                        hashing = true;
                    }
                    if (frame == null) {
                        frame = openFrame(object, file.path());
                    }
                    frame.write(buffer, off, len);
                    blocks.add(block);
                    stored += len;
                }
                if (hashing) {
                    digest.update(buffer, 0, n);
                    crc.update(buffer, 0, n);
                }
                size += n;
                progress.advanced(n);
            }
            if (!hashing && unchanged.length() != size) { // no page changed, but the length did
                hashRange(channel, offset, size, digest, crc);
                hashing = true;
            }
        } finally {
            if (frame != null) {
                frame.close();
            }
        }
        if (firstBlock >= 0) {
            pages.report(file.path(), badBlocks);
        }
        List<Chunk> chunks = new ArrayList<>();
        if (frame != null) {
            String ranges = blocks.build();
            long firstStored = Long.parseLong(ranges.split("[-,]", 2)[0]);
            chunks.add(new Chunk(objectName, start, object.count() - start, firstStored * PageChecksum.PAGE_SIZE,
                    stored, null, ranges));
        }
        RangeSum sum = hashing
                ? new RangeSum(offset, size, Sha256.hex(digest.digest()), Crc32c.hex((int) crc.getValue()))
                : unchanged;
        return new FileEntry(file.path(), file.kind(), size, file.mode(), file.mtime(), sum.sha256(), null, chunks,
                List.of(sum));
    }

    /** Hashes {@code length} bytes of the file from {@code from}, read again (from the page cache, as a rule). */
    private void hashRange(FileChannel channel, long from, long length, MessageDigest digest, CRC32C crc)
            throws IOException {
        if (again == null) {
            again = new byte[BUFFER_SIZE];
        }
        long done = 0;
        while (done < length) {
            ByteBuffer bb = ByteBuffer.wrap(again, 0, (int) Math.min(again.length, length - done));
            int n = channel.read(bb, from + done);
            if (n <= 0) {
                throw new IOException(channel + ": ended at " + (from + done) + " while read again");
            }
            digest.update(again, 0, n);
            crc.update(again, 0, n);
            done += n;
        }
    }

    /**
     * A file's chunks: this backup's page sets, then those of the parent's chunks (as this backup lists them) that
     * are still the newest holders of some block of a file of {@code size} bytes.
     */
    static List<Chunk> withInherited(List<Chunk> own, long size, List<Chunk> inherited) {
        BitSet covered = new BitSet();
        own.forEach(c -> covered.or(c.heldBlocks()));
        List<Chunk> chunks = new ArrayList<>(own);
        long blockCount = (size + PageChecksum.PAGE_SIZE - 1) / PageChecksum.PAGE_SIZE;
        for (Chunk c : inherited) {
            BitSet held = c.heldBlocks();
            held.clear((int) Math.min(blockCount, Integer.MAX_VALUE), Integer.MAX_VALUE);
            held.andNot(covered);
            if (!held.isEmpty()) { // still the newest holder of some block
                chunks.add(c);
                covered.or(held);
            }
        }
        return chunks;
    }

    /**
     * Starts one frame (compressed, and encrypted in an encrypted repository, bound to the file's path) in
     * {@code object}; closing the result ends the frame, never the object.
     */
    private OutputStream openFrame(CountingOutputStream object, String path) throws IOException {
        return frames.writer(new NonClosingOutputStream(object), path);
    }
}
