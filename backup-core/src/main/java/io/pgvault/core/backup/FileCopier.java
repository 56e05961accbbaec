package io.pgvault.core.backup;

import io.pgvault.core.manifest.Chunk;
import io.pgvault.core.manifest.FileEntry;
import io.pgvault.core.stream.CountingOutputStream;
import io.pgvault.core.stream.FrameCodec;
import io.pgvault.core.stream.NonClosingOutputStream;
import io.pgvault.core.stream.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.security.MessageDigest;
import java.util.List;

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
        long start = object.count();
        long size = 0;
        long firstBlock = pages == null ? -1 : PageChecker.firstBlock(file.path());
        List<Long> badBlocks = new java.util.ArrayList<>();
        try (in; OutputStream compressed = frames.writer(new NonClosingOutputStream(object), file.path())) {
            int n;
            // full buffers keep pages aligned with the buffer, so each page can be checked where it lies
            while ((n = in.readNBytes(buffer, 0, buffer.length)) > 0) {
                if (firstBlock >= 0) {
                    badBlocks.addAll(pages.check(file, firstBlock, buffer, n, size));
                }
                digest.update(buffer, 0, n);
                compressed.write(buffer, 0, n);
                size += n;
                progress.advanced(n);
            }
        }
        if (firstBlock >= 0) {
            pages.report(file.path(), badBlocks);
        }
        List<Chunk> chunks = size == 0 && object.count() == start ? List.of()
                : List.of(new Chunk(objectName, start, object.count() - start, 0, size));
        return new FileEntry(file.path(), file.kind(), size, file.mode(), file.mtime(),
                Sha256.hex(digest.digest()), null, chunks);
    }
}
