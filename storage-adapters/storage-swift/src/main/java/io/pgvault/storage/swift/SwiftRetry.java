package io.pgvault.storage.swift;

import io.pgvault.storage.StorageException;
import io.pgvault.storage.StorageException.Reason;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * Bounded retries of transient failures - connection refused or reset, timeouts, HTTP 408, 429 and 5xx - with
 * exponential backoff and jitter, so that parallel workers do not retry in lockstep. When the budget is spent the
 * failure becomes {@link Reason#UNAVAILABLE}, naming what was attempted and the last error.
 */
final class SwiftRetry {

    /** A failure worth another attempt. Carries no stack trace: it is always caught by {@link #untilAnswered}. */
    static final class TransientFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TransientFailure(String message) {
            super(message, null, false, false);
        }
    }

    private final int maxRetries;
    private final Duration baseDelay;
    private final Duration maxDelay;

    SwiftRetry(int maxRetries, Duration baseDelay, Duration maxDelay) {
        this.maxRetries = maxRetries;
        this.baseDelay = baseDelay;
        this.maxDelay = maxDelay;
    }

    /** Statuses that say "not now" rather than "no": the same request may succeed later. */
    static boolean isTransient(int status) {
        return status == 408 || status == 429 || (status >= 500 && status != 501 && status != 505);
    }

    /**
     * Runs {@code attempt} until it returns or throws something other than {@link TransientFailure}.
     *
     * @param what what is attempted, for the final message, e.g. "write of backups/x/base.tar"
     * @throws StorageException with {@link Reason#UNAVAILABLE} after {@code 1 + maxRetries} transient failures
     */
    <T> T untilAnswered(String what, Supplier<T> attempt) {
        for (int failures = 0; ; failures++) {
            try {
                return attempt.get();
            } catch (TransientFailure e) {
                if (failures >= maxRetries) {
                    throw new StorageException(Reason.UNAVAILABLE, what + " failed " + (failures + 1)
                            + " times, giving up (swift-max-retries=" + maxRetries + "); last error: "
                            + e.getMessage());
                }
                pause(failures, what);
            }
        }
    }

    /** Full jitter over the upper half: base * 2^n, capped, then a random point between half and all of it. */
    private void pause(int failures, String what) {
        long ceiling = Math.min(maxDelay.toMillis(), baseDelay.toMillis() << Math.min(failures, 20));
        long delay = ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1);
        try {
            Thread.sleep(delay);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException(Reason.IO, what + " interrupted while waiting to retry");
        }
    }
}
