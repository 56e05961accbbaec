package io.pgvault.storage.azure;

import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpPipelineNextSyncPolicy;
import com.azure.core.http.HttpPipelinePosition;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.http.policy.RetryPolicy;
import com.azure.core.http.policy.RetryStrategy;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import reactor.core.publisher.Mono;

/**
 * When and how long to wait before retrying: transient statuses and network failures only, with exponential back-off
 * and jitter so that parallel workers throttled together do not retry in lock-step. The SDK's {@link RetryPolicy}
 * runs it and also honours the service's Retry-After headers. (The storage SDK's own retry policy has no jitter, so it
 * is left with a single try.)
 */
final class AzureRetryStrategy implements RetryStrategy {

    private final int maxRetries;
    private final Duration baseDelay;
    private final Duration maxDelay;

    AzureRetryStrategy(int maxRetries, Duration baseDelay, Duration maxDelay) {
        this.maxRetries = maxRetries;
        this.baseDelay = baseDelay;
        this.maxDelay = maxDelay;
    }

    /** The pipeline policy, placed before the storage SDK's own (single-try) retry step and the request signing. */
    static HttpPipelinePolicy policy(AzureStorageConfig config) {
        RetryPolicy retries = new RetryPolicy(new AzureRetryStrategy(config.maxRetries(), config.retryDelay(),
                config.maxRetryDelay()));
        return new HttpPipelinePolicy() {
            @Override
            public Mono<HttpResponse> process(HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
                return retries.process(context, next);
            }

            @Override
            public HttpResponse processSync(HttpPipelineCallContext context, HttpPipelineNextSyncPolicy next) {
                return retries.processSync(context, next);
            }

            @Override
            public HttpPipelinePosition getPipelinePosition() {
                return HttpPipelinePosition.PER_CALL;
            }
        };
    }

    @Override
    public int getMaxRetries() {
        return maxRetries;
    }

    /** "Equal jitter": a random delay between half and all of the exponential ceiling. */
    @Override
    public Duration calculateRetryDelay(int retryAttempts) {
        long ceiling = Math.min(maxDelay.toNanos(), baseDelay.toNanos() << Math.min(retryAttempts, 30));
        if (ceiling <= 1) {
            return Duration.ofNanos(Math.max(ceiling, 0));
        }
        return Duration.ofNanos(ThreadLocalRandom.current().nextLong(ceiling / 2, ceiling + 1));
    }

    @Override
    public boolean shouldRetry(HttpResponse response) {
        return AzureFailures.isTransient(response.getStatusCode());
    }

    @Override
    public boolean shouldRetryException(Throwable failure) {
        return AzureFailures.isNetworkFailure(failure);
    }
}
