package io.pgvault.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgvault.storage.StorageException;
import io.pgvault.storage.StorageException.Reason;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** The retry loop and the error classification, with failures made up in memory (no server). */
class S3CallsTest {

    private final S3StorageConfig config = S3StorageConfig.withKeys("bucket", "repo/",
            URI.create("http://127.0.0.1:1"), "AKIAEXAMPLE", "secret-value");
    private final S3Calls calls = new S3Calls(new S3Errors(config), 3, Duration.ofMillis(1), Duration.ofMillis(5));

    private static S3Exception s3(int status, String code) {
        return (S3Exception) S3Exception.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).build()).build();
    }

    private static SdkClientException reset() {
        return SdkClientException.create("Unable to execute HTTP request", new IOException("Connection reset"));
    }

    @Test
    void transientFailuresAreRetriedUntilSuccess() {
        AtomicInteger attempts = new AtomicInteger();
        String result = calls.run("read", "a/b", () -> {
            int n = attempts.incrementAndGet();
            if (n == 1) {
                throw reset();
            }
            if (n == 2) {
                throw s3(503, "SlowDown");
            }
            if (n == 3) {
                throw SdkClientException.create("timeout", new SocketTimeoutException("Read timed out"));
            }
            return "ok";
        });
        assertThat(result).isEqualTo("ok");
        assertThat(attempts).hasValue(4);
    }

    @Test
    void retriesAreBoundedAndTheLastErrorIsNamed() {
        AtomicInteger attempts = new AtomicInteger();
        assertThatThrownBy(() -> calls.run("write", "wal/000000010000000000000001", () -> {
            attempts.incrementAndGet();
            throw s3(500, "InternalError");
        })).isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE))
                .hasMessageContaining("s3://bucket/repo/wal/000000010000000000000001")
                .hasMessageContaining("4 attempts").hasMessageContaining("HTTP 500 InternalError");
        assertThat(attempts).hasValue(4);
    }

    @Test
    void throttlingIsTransientButClientErrorsAreNot() {
        assertThat(S3Errors.isTransient(s3(429, "TooManyRequests"))).isTrue();
        assertThat(S3Errors.isTransient(s3(503, "SlowDown"))).isTrue();
        assertThat(S3Errors.isTransient(s3(400, "RequestTimeout"))).isTrue();
        assertThat(S3Errors.isTransient(reset())).isTrue();
        assertThat(S3Errors.isTransient(s3(403, "AccessDenied"))).isFalse();
        assertThat(S3Errors.isTransient(s3(404, "NoSuchKey"))).isFalse();
        assertThat(S3Errors.isTransient(SdkClientException.create("Unable to load credentials"))).isFalse();
    }

    @Test
    void finalErrorsAreNotRetriedAndSayWhatIsWrong() {
        AtomicInteger attempts = new AtomicInteger();
        assertThatThrownBy(() -> calls.run("read", "k", () -> {
            attempts.incrementAndGet();
            throw s3(403, "SignatureDoesNotMatch");
        })).isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.reason()).isEqualTo(Reason.ACCESS_DENIED))
                .hasMessageContaining("credentials refused").hasMessageContaining("check static keys")
                .hasMessageNotContaining("secret-value").hasMessageNotContaining("AKIAEXAMPLE");
        assertThat(attempts).hasValue(1);

        assertThatThrownBy(() -> calls.run("list", "", () -> {
            throw s3(404, "NoSuchBucket");
        })).isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.reason()).isEqualTo(Reason.CONFIGURATION))
                .hasMessageContaining("bucket bucket does not exist").hasMessageContaining("pgvault init");

        assertThatThrownBy(() -> calls.run("read", "k", () -> {
            throw s3(301, "PermanentRedirect");
        })).isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.reason()).isEqualTo(Reason.CONFIGURATION))
                .hasMessageContaining("s3-region");

        assertThatThrownBy(() -> calls.run("read", "k", () -> {
            throw SdkClientException.create("Unable to load credentials from any of the providers in the chain");
        })).isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.reason()).isEqualTo(Reason.CONFIGURATION))
                .hasMessageContaining("AWS_ACCESS_KEY_ID");
    }

    @Test
    void anInterruptedWaitStopsRetrying() {
        S3Calls slow = new S3Calls(new S3Errors(config), 5, Duration.ofSeconds(30), Duration.ofSeconds(30));
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> slow.run("read", "k", () -> {
                throw reset();
            })).isInstanceOf(StorageException.class);
        } finally {
            Thread.interrupted();
        }
    }
}
