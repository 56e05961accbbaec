package io.pgvault.storage.azure;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Back-off arithmetic and what counts as transient; no server needed. */
class AzureRetryStrategyTest {

    private final AzureRetryStrategy strategy =
            new AzureRetryStrategy(5, Duration.ofMillis(100), Duration.ofSeconds(2));

    @Test
    void delaysGrowExponentiallyWithJitterUpToTheCeiling() {
        for (int attempt = 0; attempt < 8; attempt++) {
            long ceiling = Math.min(2000, 100L << attempt);
            Set<Duration> seen = new HashSet<>();
            for (int i = 0; i < 50; i++) {
                Duration delay = strategy.calculateRetryDelay(attempt);
                assertThat(delay).isBetween(Duration.ofMillis(ceiling / 2), Duration.ofMillis(ceiling));
                seen.add(delay);
            }
            assertThat(seen).as("jitter spreads retries of attempt %d", attempt).hasSizeGreaterThan(10);
        }
        assertThat(strategy.getMaxRetries()).isEqualTo(5);
    }

    @Test
    void onlyTransientStatusesAndNetworkFailuresAreRetried() {
        assertThat(IntStream.of(408, 429, 500, 502, 503, 504)).allMatch(AzureFailures::isTransient);
        assertThat(IntStream.of(400, 401, 403, 404, 409, 412, 416, 501, 505)).noneMatch(AzureFailures::isTransient);
        assertThat(strategy.shouldRetryException(new RuntimeException(new IOException("connection reset")))).isTrue();
        assertThat(strategy.shouldRetryException(new UncheckedIOException(new HttpTimeoutException("slow"))))
                .isTrue();
        assertThat(strategy.shouldRetryException(new IllegalStateException("a bug, not the network"))).isFalse();
    }
}
