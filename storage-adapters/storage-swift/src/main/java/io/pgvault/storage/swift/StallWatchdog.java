package io.pgvault.storage.swift;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Ends reads that stop making progress. The JDK client's request timeout covers the wait for an answer's head only;
 * a body that stops arriving half-way would block its reader forever. A read is armed while it waits for bytes, and
 * one that waits longer than the request timeout has its stream closed, which wakes it with an IOException that the
 * reader treats like any broken connection (it resumes with a ranged GET).
 */
final class StallWatchdog implements AutoCloseable {

    /** One stream's read in progress. */
    final class Guard {
        private final Closeable stream;
        private volatile long waitingSince;
        private volatile boolean fired;

        private Guard(Closeable stream) {
            this.stream = stream;
        }

        void arm() {
            fired = false;
            waitingSince = System.nanoTime();
            guards.add(this);
        }

        void disarm() {
            guards.remove(this);
            waitingSince = 0;
        }

        /** Whether the last read was ended by the watchdog. */
        boolean fired() {
            return fired;
        }

        private void check(long now) {
            long since = waitingSince;
            if (since != 0 && now - since > limitNanos) {
                fired = true;
                guards.remove(this);
                try {
                    stream.close();
                } catch (IOException e) {
                    // closing is how the blocked read is woken; if that fails the read fails by itself later
                }
            }
        }
    }

    private final long limitNanos;
    private final Set<Guard> guards = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timer;

    StallWatchdog(Duration limit) {
        this.limitNanos = limit.toNanos();
        this.timer = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "pgvault-swift-stall-watchdog");
            thread.setDaemon(true);
            return thread;
        });
        long period = Math.max(100, Math.min(1000, limit.toMillis() / 4));
        timer.scheduleWithFixedDelay(() -> {
            long now = System.nanoTime();
            guards.forEach(g -> g.check(now));
        }, period, period, TimeUnit.MILLISECONDS);
    }

    Guard guard(Closeable stream) {
        return new Guard(stream);
    }

    Duration limit() {
        return Duration.ofNanos(limitNanos);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
