package io.pgvault.restore;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Flushes large restored files to disk on a thread of its own while the workers decompress and write the next ones,
 * so the disk is busy during the restore instead of only in the sync at its end. Durability still comes from that
 * final sync of everything; this only moves most of its work earlier. A flush that fails fails the restore.
 */
final class EarlyFlush implements AutoCloseable {

    /** Smaller files are left to the final sync: flushing each of thousands of tiny files costs more than it saves. */
    static final long MIN_SIZE = 1024 * 1024;

    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "restore-flush");
        t.setDaemon(true);
        return t;
    });
    /** Files waiting for a flush that has not started: a later write to them is covered by that flush. */
    private final Set<Path> waiting = ConcurrentHashMap.newKeySet();
    private final AtomicReference<PgVaultException> failure = new AtomicReference<>();

    /** Asks for {@code file} to be flushed soon; throws the failure of an earlier flush, if one failed. */
    void add(Path file) {
        rethrow();
        if (!waiting.add(file)) {
            return;
        }
        thread.execute(() -> {
            waiting.remove(file);
            if (failure.get() != null) {
                return;
            }
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.force(false);
            } catch (IOException e) {
                failure.compareAndSet(null, new PgVaultException(ErrorCode.LOCAL_IO, "cannot flush restored file "
                        + file + " to disk: " + e.getMessage() + "; check the disk and the kernel log", e));
            }
        });
    }

    /** Waits for the flushes asked for; throws the first failure. */
    void finish() {
        thread.shutdown();
        try {
            while (!thread.awaitTermination(1, TimeUnit.SECONDS)) {
                // a slow disk: keep waiting, the final sync would wait for the same writes
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgVaultException(ErrorCode.INTERNAL, "restore interrupted");
        }
        rethrow();
    }

    private void rethrow() {
        PgVaultException e = failure.get();
        if (e != null) {
            throw e;
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
