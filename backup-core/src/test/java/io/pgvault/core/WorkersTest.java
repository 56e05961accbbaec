package io.pgvault.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class WorkersTest {

    /**
     * A worker that counts down {@code running}, waits to be interrupted, then spends {@code cleanupMillis} (busy,
     * ignoring further interrupts) before it sets {@code cleanedUp}.
     */
    private static java.util.concurrent.Callable<Void> waitThenCleanUp(CountDownLatch running, long cleanupMillis,
                                                                      AtomicBoolean cleanedUp) {
        return () -> {
            running.countDown();
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(cleanupMillis);
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
                cleanedUp.set(true);
            }
            return null;
        };
    }

    @Test
    void stopWaitsForInterruptedWorkersToFinishTheirCleanup() throws Exception {
        ExecutorService pool = Workers.pool(2, "test-worker");
        CountDownLatch running = new CountDownLatch(2);
        AtomicBoolean cleanedUp = new AtomicBoolean();
        for (int i = 0; i < 2; i++) {
            boolean slow = i == 0;
            // the slow one aborts as removing a partial upload does: it takes a while
            pool.submit(waitThenCleanUp(running, slow ? 300 : 0, slow ? cleanedUp : new AtomicBoolean()));
        }
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();

        Workers.stop(pool);

        assertThat(cleanedUp).isTrue();
        assertThat(pool.isTerminated()).isTrue();
    }

    @Test
    void stopKeepsTheCallersInterruptAndStillWaits() throws Exception {
        ExecutorService pool = Workers.pool(1, "test-worker");
        CountDownLatch running = new CountDownLatch(1);
        AtomicBoolean cleanedUp = new AtomicBoolean();
        pool.submit(waitThenCleanUp(running, 200, cleanedUp));
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();

        Thread.currentThread().interrupt();
        Workers.stop(pool);

        assertThat(Thread.interrupted()).as("interrupt status kept").isTrue();
        assertThat(cleanedUp).isTrue();
    }

    @Test
    void stopGivesUpAfterItsWait() throws Exception {
        ExecutorService pool = Workers.pool(1, "test-worker");
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        pool.submit(() -> {
            running.countDown();
            while (release.getCount() > 0) { // ignores interrupts
                Thread.onSpinWait();
            }
            return null;
        });
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
        long start = System.nanoTime();

        Workers.stop(pool, Duration.ofMillis(200));

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        assertThat(pool.isTerminated()).isFalse();
        release.countDown();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void refusesAnEmptyPool() {
        assertThatThrownBy(() -> Workers.pool(0, "none")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 1");
    }
}
