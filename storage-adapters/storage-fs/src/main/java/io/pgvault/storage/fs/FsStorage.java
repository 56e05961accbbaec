package io.pgvault.storage.fs;

import io.pgvault.storage.Capability;
import io.pgvault.storage.ContainerProvisioning;
import io.pgvault.storage.ObjectExistsException;
import io.pgvault.storage.ObjectInfo;
import io.pgvault.storage.ObjectKey;
import io.pgvault.storage.ObjectNotFoundException;
import io.pgvault.storage.ObjectWriter;
import io.pgvault.storage.Storage;
import io.pgvault.storage.StorageException;
import io.pgvault.storage.WriteMode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Collection;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A repository on a local (or mounted) filesystem. A write goes to a hidden temporary file beside its target, is
 * fsynced, then renamed (or hard-linked, for create-new) into place and the directory fsynced: an object is either
 * absent or complete and durable. Temporary files are never listed.
 */
public final class FsStorage implements Storage, ContainerProvisioning {

    static final String TEMP_PREFIX = ".pgvault-tmp-";
    private static final int BUFFER = 256 * 1024;

    private final FsStorageConfig config;
    private final Path root;

    public FsStorage(FsStorageConfig config) {
        this.config = config;
        this.root = config.root();
    }

    private Path pathOf(String key) {
        return root.resolve(ObjectKey.check(key));
    }

    @Override
    public Optional<ObjectInfo> stat(String key) {
        Path path = pathOf(key);
        try {
            BasicFileAttributes attrs = Files.readAttributes(path, BasicFileAttributes.class);
            if (!attrs.isRegularFile()) {
                return Optional.empty();
            }
            return Optional.of(new ObjectInfo(key, attrs.size(), attrs.lastModifiedTime().toInstant()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw failure("stat", key, e);
        }
    }

    @Override
    public InputStream read(String key) {
        return read(key, 0, Long.MAX_VALUE);
    }

    @Override
    public InputStream read(String key, long offset, long length) {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("negative offset or length reading " + key);
        }
        Path path = pathOf(key);
        try {
            FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
            if (Files.isDirectory(path)) {
                channel.close();
                throw new ObjectNotFoundException(key);
            }
            channel.position(offset);
            return new RangeInputStream(channel, length);
        } catch (NoSuchFileException e) {
            throw new ObjectNotFoundException(key);
        } catch (IOException e) {
            throw failure("read", key, e);
        }
    }

    @Override
    public ObjectWriter write(String key, WriteMode mode) {
        Path target = pathOf(key);
        try {
            createDirectories(target.getParent());
            Path temp = target.resolveSibling(TEMP_PREFIX + target.getFileName() + "-" + UUID.randomUUID());
            FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            return new FsWriter(key, target, temp, channel, mode);
        } catch (IOException e) {
            throw failure("write", key, e);
        }
    }

    @Override
    public Stream<ObjectInfo> list(String prefix) {
        ObjectKey.checkPrefix(prefix);
        int slash = prefix.lastIndexOf('/');
        Path start = slash < 0 ? root : root.resolve(prefix.substring(0, slash));
        String startKey = slash < 0 ? "" : prefix.substring(0, slash + 1);
        return SortedTreeWalk.stream(start, startKey)
                .filter(info -> info.key().startsWith(prefix));
    }

    @Override
    public void delete(Collection<String> keys) {
        for (String key : keys) {
            Path path = pathOf(key);
            try {
                if (!Files.isDirectory(path)) {
                    Files.deleteIfExists(path);
                }
            } catch (IOException e) {
                throw failure("delete", key, e);
            }
        }
        if (config.fsync()) {
            keys.stream().map(k -> pathOf(k).getParent()).distinct().forEach(this::syncDirectoryQuietly);
        }
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.of(Capability.ATOMIC_CREATE_NEW, Capability.LOCAL);
    }

    @Override
    public boolean ensureContainer() {
        if (Files.isDirectory(root)) {
            return false;
        }
        try {
            createDirectories(root);
            return true;
        } catch (IOException e) {
            throw failure("create", root.toString(), e);
        }
    }

    /** Creates missing directories and fsyncs each new one's parent, so a crash cannot lose the entry. */
    private void createDirectories(Path dir) throws IOException {
        if (dir == null || Files.isDirectory(dir)) {
            return;
        }
        createDirectories(dir.getParent());
        try {
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir)) {
                throw e;
            }
            return;
        }
        if (config.fsync()) {
            syncDirectory(dir.getParent());
        }
    }

    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    private void syncDirectoryQuietly(Path dir) {
        try {
            syncDirectory(dir);
        } catch (IOException ignored) {
            // the directory may be gone when all its objects were deleted concurrently; nothing to make durable
        }
    }

    static StorageException failure(String op, String key, IOException e) {
        String why = e.getMessage() != null && e.getMessage().contains("No space left")
                ? "no space left on device" : e.getClass().getSimpleName() + ": " + e.getMessage();
        if (e instanceof java.nio.file.AccessDeniedException) {
            return new StorageException(StorageException.Reason.ACCESS_DENIED,
                    "cannot " + op + " " + key + ": permission denied (check the repository directory's owner)", e);
        }
        return new StorageException(StorageException.Reason.IO, "cannot " + op + " " + key + ": " + why, e);
    }

    private final class FsWriter extends ObjectWriter {
        private final String key;
        private final Path target;
        private final Path temp;
        private final FileChannel channel;
        private final OutputStream out;
        private final WriteMode mode;
        private long size;

        FsWriter(String key, Path target, Path temp, FileChannel channel, WriteMode mode) {
            this.key = key;
            this.target = target;
            this.temp = temp;
            this.channel = channel;
            this.mode = mode;
            this.out = new java.io.BufferedOutputStream(Channels.newOutputStream(channel), BUFFER);
        }

        // a failed write (a full disk) is the repository's failure and names the object, as a failed commit does
        @Override
        public void write(int b) {
            try {
                out.write(b);
            } catch (IOException e) {
                throw failure("write", key, e);
            }
            size++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            try {
                out.write(b, off, len);
            } catch (IOException e) {
                throw failure("write", key, e);
            }
            size += len;
        }

        @Override
        protected ObjectInfo doCommit() {
            try {
                out.flush();
                if (config.fsync()) {
                    channel.force(true);
                }
                channel.close();
                if (mode == WriteMode.CREATE_NEW) {
                    try {
                        Files.createLink(target, temp);
                    } catch (FileAlreadyExistsException e) {
                        throw new ObjectExistsException(key);
                    }
                    Files.delete(temp);
                } else {
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                }
                if (config.fsync()) {
                    syncDirectory(target.getParent());
                }
                return new ObjectInfo(key, size, Files.getLastModifiedTime(target).toInstant());
            } catch (IOException e) {
                throw failure("write", key, e);
            }
        }

        @Override
        protected void doAbort() {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing a temp file we are about to delete
            }
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // a leftover temp file is never listed and is swept by later writes' cleanup
            }
        }
    }

    /** Reads at most {@code remaining} bytes from a positioned channel. */
    private static final class RangeInputStream extends InputStream {
        private final FileChannel channel;
        private long remaining;

        RangeInputStream(FileChannel channel, long remaining) {
            this.channel = channel;
            this.remaining = remaining;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (remaining <= 0) {
                return -1;
            }
            int want = (int) Math.min(len, remaining);
            int n = channel.read(ByteBuffer.wrap(b, off, want));
            if (n > 0) {
                remaining -= n;
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
