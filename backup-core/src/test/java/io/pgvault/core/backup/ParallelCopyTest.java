package io.pgvault.core.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgvault.core.PgVaultException;
import io.pgvault.core.manifest.EntryKind;
import io.pgvault.core.pg.PgConnectionSettings;
import io.pgvault.core.repo.BackupId;
import io.pgvault.core.repo.BackupType;
import io.pgvault.core.repo.Repository;
import io.pgvault.core.stream.Codec;
import io.pgvault.core.stream.FrameCodec;
import io.pgvault.storage.Capability;
import io.pgvault.storage.ObjectInfo;
import io.pgvault.storage.ObjectWriter;
import io.pgvault.storage.Storage;
import io.pgvault.storage.StorageException;
import io.pgvault.storage.WriteMode;
import io.pgvault.storage.fs.FsStorage;
import io.pgvault.storage.fs.FsStorageConfig;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When one worker's write fails, the backup's copy must not return before every other worker has abandoned its
 * write: the backup then deletes its objects, and a write still open at that moment would leave a temp file or
 * commit an object after the cleanup (seen on a full file system).
 */
class ParallelCopyTest {

    @TempDir
    Path dir;

    @Test
    void aFailedWriteStopsTheOtherWorkersBeforeTheCopyFails() throws Exception {
        Path pgdata = Files.createDirectories(dir.resolve("pgdata"));
        Random random = new Random(7);
        List<SourceEntry> entries = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            byte[] content = new byte[2 * 1024 * 1024];
            random.nextBytes(content);
            Path file = Files.write(pgdata.resolve("f" + i), content);
            entries.add(new SourceEntry("f" + i, file, EntryKind.FILE, content.length, 0600, 0, null));
        }
        Path root = dir.resolve("repo");
        SlowStorage storage = new SlowStorage(new FsStorage(new FsStorageConfig(root, true)));
        Repository repository = new Repository(storage, "main");
        BackupSettings settings = new BackupSettings(pgdata, new PgConnectionSettings("localhost", 5432, "postgres",
                "postgres", null), BackupType.FULL, 3, Codec.ZSTD, 1, Duration.ofSeconds(1), 64 * 1024,
                Duration.ZERO, false, 0, false);
        ParallelCopy copy = new ParallelCopy(repository, BackupId.of(Instant.now(), BackupType.FULL), settings,
                FrameCodec.plain(Codec.ZSTD, 1), BackupProgress.NONE, null, null);

        assertThatThrownBy(() -> copy.run(entries)).isInstanceOf(PgVaultException.class)
                .hasMessageContaining("disk full");

        assertThat(storage.open).as("writes still open when the copy failed").hasValue(0);
        try (Stream<Path> files = Files.walk(root)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".pgvault-tmp-"));
        }
    }

    /** The first write fails; the others write slowly and take a while to abandon, as a remote store's abort does. */
    private static final class SlowStorage implements Storage {
        private final Storage delegate;
        private final AtomicInteger opened = new AtomicInteger();
        final AtomicInteger open = new AtomicInteger();

        SlowStorage(Storage delegate) {
            this.delegate = delegate;
        }

        @Override
        public ObjectWriter write(String key, WriteMode mode) {
            boolean failing = opened.incrementAndGet() == 1;
            ObjectWriter inner = delegate.write(key, mode);
            open.incrementAndGet();
            return new ObjectWriter() {
                @Override
                public void write(int b) {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    try {
                        Thread.sleep(failing ? 100 : 5);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new StorageException(StorageException.Reason.IO, "cannot write " + key + ": interrupted",
                                e);
                    }
                    if (failing) {
                        throw new StorageException(StorageException.Reason.IO, "cannot write " + key + ": disk full",
                                null);
                    }
                    try {
                        inner.write(b, off, len);
                    } catch (java.io.IOException e) {
                        throw new StorageException(StorageException.Reason.IO, "cannot write " + key, e);
                    }
                }

                @Override
                protected ObjectInfo doCommit() {
                    ObjectInfo info = inner.commit(); // a failed commit is abandoned next
                    open.decrementAndGet();
                    return info;
                }

                @Override
                protected void doAbort() {
                    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(failing ? 0 : 300);
                    while (System.nanoTime() < until) {
                        Thread.onSpinWait();
                    }
                    inner.close();
                    open.decrementAndGet();
                }
            };
        }

        @Override
        public Optional<ObjectInfo> stat(String key) {
            return delegate.stat(key);
        }

        @Override
        public InputStream read(String key) {
            return delegate.read(key);
        }

        @Override
        public InputStream read(String key, long offset, long length) {
            return delegate.read(key, offset, length);
        }

        @Override
        public Stream<ObjectInfo> list(String prefix) {
            return delegate.list(prefix);
        }

        @Override
        public void delete(Collection<String> keys) {
            delegate.delete(keys);
        }

        @Override
        public Set<Capability> capabilities() {
            return delegate.capabilities();
        }
    }
}
