package io.pgvault.storage.s3;

import io.pgvault.storage.StorageException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * Runs one S3 request with bounded retries. Transient failures ({@link S3Errors#isTransient}) are retried after an
 * exponential backoff with jitter; anything else, and the last transient failure, becomes a
 * {@link StorageException}. The SDK's own retries are switched off, so this is the only place that decides.
 *
 * <p>Requests must be safe to repeat: every body is replayable (it is a buffer) and S3's writes are idempotent.
 * Thread-safe.
 */
final class S3Calls {

    private final S3Errors errors;
    private final int maxRetries;
    private final long baseDelayMillis;
    private final long maxDelayMillis;

    S3Calls(S3Errors errors, int maxRetries, Duration baseDelay, Duration maxDelay) {
        this.errors = errors;
        this.maxRetries = maxRetries;
        this.baseDelayMillis = baseDelay.toMillis();
        this.maxDelayMillis = maxDelay.toMillis();
    }

    int maxRetries() {
        return maxRetries;
    }

    S3Errors errors() {
        return errors;
    }

    /**
     * Runs the request until it succeeds, fails for good, or the retries are spent. The request handles the answers
     * it expects (a 404 that means "absent") itself, by returning.
     *
     * @param op     what is being done, for messages: "read", "upload part 3 of"
     * @param target the object or prefix, relative to the repository
     */
    <T> T run(String op, String target, Supplier<T> request) {
        for (int attempt = 1; ; attempt++) {
            try {
                return request.get();
            } catch (RuntimeException e) {
                if (!S3Errors.isTransient(e) || Thread.currentThread().isInterrupted()) {
                    throw errors.translate(op, target, e);
                }
                if (attempt > maxRetries) {
                    throw errors.exhausted(op, target, attempt, e);
                }
                pause(op, target, attempt, e);
            }
        }
    }

    private void pause(String op, String target, int attempt, RuntimeException cause) {
        // "equal jitter": at least half the exponential delay, so a restarting server gets time to come back,
        // plus a random half, so parallel workers do not retry in lockstep
        long ceiling = Math.min(maxDelayMillis, baseDelayMillis << Math.min(attempt - 1, 20));
        long delay = ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1);
        try {
            Thread.sleep(delay);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw errors.interrupted(op, target, cause);
        }
    }
}
