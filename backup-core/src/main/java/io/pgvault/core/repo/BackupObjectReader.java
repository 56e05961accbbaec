package io.pgvault.core.repo;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.manifest.Chunk;
import io.pgvault.core.manifest.EntryKind;
import io.pgvault.core.manifest.FileEntry;
import io.pgvault.core.stream.FrameCodec;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the files of a backup object by object: each object is opened once and read front to back, and every file
 * whose frame it holds is handed to a visitor as a decompressed stream bounded to that file.
 */
public final class BackupObjectReader {

    /** Receives one file's original bytes. */
    @FunctionalInterface
    public interface FileVisitor {
        void visit(FileEntry file, InputStream content) throws IOException;
    }

    private final RepositoryReader repository;
    private final BackupManifest manifest;

    public BackupObjectReader(RepositoryReader repository, BackupManifest manifest) {
        this.repository = repository;
        this.manifest = manifest;
    }

    /** The backup's non-empty files grouped by the object that holds them, largest groups first. */
    public List<List<FileEntry>> groupsByObject() {
        Map<String, List<FileEntry>> byObject = new LinkedHashMap<>();
        for (FileEntry f : manifest.files()) {
            if (f.kind() == EntryKind.FILE && !f.chunks().isEmpty()) {
                byObject.computeIfAbsent(f.chunks().get(0).object(), k -> new ArrayList<>()).add(f);
            }
        }
        List<List<FileEntry>> groups = new ArrayList<>(byObject.values());
        groups.sort(Comparator.comparingLong((List<FileEntry> g) -> g.stream().mapToLong(FileEntry::size).sum())
                .reversed());
        return groups;
    }

    /** Reads one group (files of one object) in offset order. */
    public void read(List<FileEntry> group, FileVisitor visitor) throws IOException {
        List<FileEntry> ordered = new ArrayList<>(group);
        ordered.sort(Comparator.comparingLong(f -> f.chunks().get(0).offset()));
        Chunk first = ordered.get(0).chunks().get(0);
        Chunk last = ordered.get(ordered.size() - 1).chunks().get(0);
        long end = last.offset() + last.length();
        FrameCodec frames = repository.frames(manifest);
        String objectKey = repository.layout().backupObject(manifest.id(), first.object());
        try (InputStream object = repository.openBackupObject(manifest.id(), first.object(), first.offset(),
                end - first.offset())) {
            long position = first.offset();
            for (FileEntry f : ordered) {
                if (f.chunks().size() != 1) {
                    throw new PgVaultException(ErrorCode.DAMAGED, "manifest of backup " + manifest.id() + " splits "
                            + f.path() + " into chunks this pgvault cannot read");
                }
                Chunk c = f.chunks().get(0);
                new Bounded(object, c.offset() - position).drain();
                Bounded frame = new Bounded(object, c.length());
                try (InputStream content = frames.reader(frame, f.path(), objectKey)) {
                    visitor.visit(f, content);
                }
                frame.drain();
                position = c.offset() + c.length();
            }
        }
    }

    /** Exactly the next {@code limit} bytes of a shared stream, never closing it. */
    private static final class Bounded extends FilterInputStream {
        private long remaining;

        Bounded(InputStream in, long limit) {
            super(in);
            this.remaining = limit;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                remaining--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, remaining));
            if (n > 0) {
                remaining -= n;
            }
            return n;
        }

        void drain() throws IOException {
            while (remaining > 0) {
                long skipped = in.skip(remaining);
                if (skipped <= 0) {
                    if (in.read() < 0) {
                        throw new IOException("object ended " + remaining + " bytes early");
                    }
                    skipped = 1;
                }
                remaining -= skipped;
            }
        }

        @Override
        public void close() {
            // the shared stream is closed by its owner
        }
    }
}
