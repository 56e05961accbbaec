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
 * whose frame it holds is handed to a visitor as a decompressed stream bounded to that file. Files of an incremental
 * backup held whole by an ancestor are read from the ancestor's object; files put together from page sets are read
 * one by one through {@link #openComposed}.
 */
public final class BackupObjectReader {

    /** Receives one file's original bytes. */
    @FunctionalInterface
    public interface FileVisitor {
        void visit(FileEntry file, InputStream content) throws IOException;
    }

    private final RepositoryReader repository;
    private final BackupManifest manifest;
    /** Frame codecs of the backups of the chain, each data key unwrapped once. */
    private final java.util.Map<BackupId, FrameCodec> frames = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<BackupId, BackupManifest> chain;

    /** A reader of a full backup, or of any backup whose chain is given by {@link #BackupObjectReader(RepositoryReader, BackupChain)}. */
    public BackupObjectReader(RepositoryReader repository, BackupManifest manifest) {
        this(repository, new BackupChain(List.of(manifest)));
    }

    public BackupObjectReader(RepositoryReader repository, BackupChain chain) {
        this.repository = repository;
        this.manifest = chain.newest();
        this.chain = chain.byId();
    }

    /**
     * The backup's non-empty files held in one contiguous frame, grouped by the object that holds them (in this
     * backup or an ancestor), largest groups first. A ranged file appears as its parts ({@link FileEntry#parts()}),
     * one per range object.
     */
    public List<List<FileEntry>> groupsByObject() {
        Map<String, List<FileEntry>> byObject = new LinkedHashMap<>();
        for (FileEntry f : manifest.files()) {
            if (f.kind() == EntryKind.FILE && !f.chunks().isEmpty()) {
                for (FileEntry part : f.parts()) {
                    if (part.needsComposing()) {
                        continue; // composedFiles()
                    }
                    Chunk c = part.chunks().get(0);
                    byObject.computeIfAbsent(c.backupOr(manifest.id()) + "/" + c.object(), k -> new ArrayList<>())
                            .add(part);
                }
            }
        }
        List<List<FileEntry>> groups = new ArrayList<>(byObject.values());
        groups.sort(Comparator.comparingLong((List<FileEntry> g) -> g.stream().mapToLong(FileEntry::size).sum())
                .reversed());
        return groups;
    }

    /**
     * The files (or ranges of a ranged file, {@link FileEntry#parts()}) put together from several chunks (incremental
     * page sets), read one by one with {@link #openComposed}.
     */
    public List<FileEntry> composedFiles() {
        return manifest.files().stream().filter(f -> f.kind() == EntryKind.FILE && !f.chunks().isEmpty())
                .flatMap(f -> f.parts().stream()).filter(FileEntry::needsComposing).toList();
    }

    /** The repository key of the object holding a chunk, for messages. */
    public String objectKey(Chunk chunk) {
        return repository.layout().backupObject(chunk.backupOr(manifest.id()), chunk.object());
    }

    /** Reads one group (files of one object) in offset order. */
    public void read(List<FileEntry> group, FileVisitor visitor) throws IOException {
        List<FileEntry> ordered = new ArrayList<>(group);
        ordered.sort(Comparator.comparingLong(f -> f.chunks().get(0).offset()));
        Chunk first = ordered.get(0).chunks().get(0);
        Chunk last = ordered.get(ordered.size() - 1).chunks().get(0);
        long end = last.offset() + last.length();
        BackupManifest owner = owner(first);
        String objectKey = repository.layout().backupObject(owner.id(), first.object());
        try (InputStream object = repository.openBackupObject(owner.id(), first.object(), first.offset(),
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
                try (InputStream content = decode(owner, frame, f.path(), objectKey)) {
                    visitor.visit(f, content);
                }
                frame.drain();
                position = c.offset() + c.length();
            }
        }
    }

    /**
     * The original content of a file (or of one range of it, {@link FileEntry#parts()}) put together from chunks of
     * this backup and its ancestors, in file order.
     * Frames are opened lazily; closing the stream closes them.
     */
    public InputStream openComposed(FileEntry file) {
        return new ComposedFile(file, chunk -> openFrame(chunk, file.path()));
    }

    /** One chunk's frame, decoded: the only place besides {@link #read} where backup frames are opened. */
    private InputStream openFrame(Chunk chunk, String path) throws IOException {
        BackupManifest owner = owner(chunk);
        return decode(owner, repository.openBackupObject(owner.id(), chunk.object(), chunk.offset(),
                chunk.length()), path, repository.layout().backupObject(owner.id(), chunk.object()));
    }

    /**
     * Undoes what the backup that wrote a frame applied to it: decryption (bound to the file's path) in an
     * encrypted repository, then decompression.
     */
    private InputStream decode(BackupManifest owner, InputStream frame, String path, String objectKey)
            throws IOException {
        return frames.computeIfAbsent(owner.id(), id -> repository.frames(owner)).reader(frame, path, objectKey);
    }

    private BackupManifest owner(Chunk chunk) {
        BackupId id = chunk.backupOr(manifest.id());
        BackupManifest owner = chain.get(id);
        if (owner == null) {
            throw new PgVaultException(ErrorCode.DAMAGED, "backup " + manifest.id() + " refers to backup " + id
                    + ", which is not one of its ancestors; run pgvault verify");
        }
        return owner;
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
