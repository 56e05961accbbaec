package io.pgvault.core;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Worker pools for parallel copies. A pool is stopped by interrupting its workers and then waiting for them: when one
 * worker fails, the others must have aborted their writes (removed temp files and partial uploads) before the caller
 * cleans up or the process exits, or a write that commits late outlives the cleanup.
 */
public final class Workers {

    private static final Logger log = LoggerFactory.getLogger(Workers.class);

    /** How long {@link #stop} waits for interrupted workers to finish their cleanup. */
    static final Duration STOP_WAIT = Duration.ofSeconds(60);

    private Workers() {
    }

    /** A fixed pool of {@code jobs} daemon threads named {@code name-1}, {@code name-2}, .... */
    public static ExecutorService pool(int jobs, String name) {
        if (jobs < 1) {
            throw new IllegalArgumentException("jobs must be at least 1, got " + jobs);
        }
        AtomicInteger number = new AtomicInteger();
        return Executors.newFixedThreadPool(jobs, r -> {
            Thread t = new Thread(r, name + "-" + number.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Cancels what has not started, interrupts what runs, and waits until every worker has returned (at most
     * {@link #STOP_WAIT}; a worker still busy after that is logged). Keeps the caller's interrupt status.
     */
    public static void stop(ExecutorService pool) {
        stop(pool, STOP_WAIT);
    }

    static void stop(ExecutorService pool, Duration wait) {
        pool.shutdownNow();
        boolean interrupted = Thread.interrupted();
        try {
            long deadline = System.nanoTime() + wait.toNanos();
            while (true) {
                try {
                    if (!pool.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                        log.warn("workers still busy {} s after they were told to stop; leaving them", wait.toSeconds());
                    }
                    return;
                } catch (InterruptedException e) {
                    interrupted = true; // the workers' cleanup still gets its time
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
