package io.pgvault.scheduler;

import io.pgvault.core.pg.WalSegmentName;
import io.pgvault.core.pg.WalSegmentSize;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The streamer's local files, {@code <spool>/stream/}: the growing segment as {@code <segment>.partial}, renamed to
 * {@code <segment>} once complete and until it is stored. Only the streaming thread touches them.
 */
final class StreamSpool {

    private final Path dir;
    private final WalSegmentSize size;

    StreamSpool(Path dir, WalSegmentSize size) {
        this.dir = dir;
        this.size = size;
    }

    Path dir() {
        return dir;
    }

    void create() throws IOException {
        Files.createDirectories(dir);
    }

    /** Bytes the local .partial of a segment holds, 0 without one. */
    long localBytes(WalSegmentName segment) {
        try {
            return Files.size(dir.resolve(segment.fileName() + ".partial"));
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Complete segments left by an earlier run that were not stored yet, oldest first. */
    List<Path> finished() throws IOException {
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "[0-9A-F]*")) {
            for (Path p : s) {
                if (WalSegmentName.isSegmentName(p.getFileName().toString())) {
                    found.add(p);
                }
            }
        }
        found.sort(null);
        return found;
    }

    /** Removes .partial files of other segments than {@code keep}: WAL the repository holds in full already. */
    void removeOtherPartials(WalSegmentName keep) throws IOException {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.partial")) {
            for (Path p : s) {
                if (!p.getFileName().toString().equals(keep.fileName() + ".partial")) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** Opens a segment's .partial for appending at {@code offset} (cutting anything beyond it). */
    SegmentFile open(WalSegmentName segment, long offset) throws IOException {
        Path path = dir.resolve(segment.fileName() + ".partial");
        FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        ch.truncate(offset);
        ch.position(offset);
        return new SegmentFile(segment, path, ch);
    }

    /** One segment being received. */
    final class SegmentFile implements AutoCloseable {
        final WalSegmentName segment;
        final Path path;
        private final FileChannel channel;

        private SegmentFile(WalSegmentName segment, Path path, FileChannel channel) {
            this.segment = segment;
            this.path = path;
            this.channel = channel;
        }

        void write(ByteBuffer bytes) throws IOException {
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        }

        long length() throws IOException {
            return channel.position();
        }

        /** fsync: what the file holds survives a crash of the host. */
        void sync() throws IOException {
            channel.force(false);
        }

        /** Syncs and closes the complete segment and renames it to its segment name; returns the new path. */
        Path finish() throws IOException {
            if (channel.position() != size.bytes()) {
                throw new IllegalStateException(segment + " is " + channel.position() + " bytes, not complete");
            }
            channel.force(false);
            channel.close();
            Path whole = dir.resolve(segment.fileName());
            Files.move(path, whole, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            }
            return whole;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
