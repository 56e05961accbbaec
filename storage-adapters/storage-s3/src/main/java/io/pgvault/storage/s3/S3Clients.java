package io.pgvault.storage.s3;

import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * Builds the SDK client for a configuration: one synchronous client (plain GETs, so ranged reads work against
 * s3proxy too), no SDK retries ({@link S3Calls} retries), timeouts from {@code s3-request-timeout}.
 */
final class S3Clients {

    /** Parallel workers plus their part uploads share this pool of connections. */
    private static final int MAX_CONNECTIONS = 64;

    private S3Clients() {
    }

    /** The credentials provider of a configuration; the caller closes it after the client. */
    static AwsCredentialsProvider credentials(S3StorageConfig config) {
        if (config.accessKey() != null) {
            return StaticCredentialsProvider.create(config.sessionToken() == null
                    ? AwsBasicCredentials.create(config.accessKey(), config.secretKey())
                    : AwsSessionCredentials.create(config.accessKey(), config.secretKey(), config.sessionToken()));
        }
        if (config.profile() != null) {
            return ProfileCredentialsProvider.create(config.profile());
        }
        // reads the process environment, profiles, web identity and instance roles by itself
        return DefaultCredentialsProvider.builder().build();
    }

    static S3Client open(S3StorageConfig config, AwsCredentialsProvider credentials) {
        Duration timeout = config.requestTimeout();
        Duration connect = timeout.compareTo(Duration.ofSeconds(10)) < 0 ? timeout : Duration.ofSeconds(10);
        S3ClientBuilder builder = S3Client.builder()
                .region(Region.of(config.region()))
                .credentialsProvider(credentials)
                .forcePathStyle(config.pathStyle())
                .httpClientBuilder(Apache5HttpClient.builder()
                        .maxConnections(MAX_CONNECTIONS)
                        .connectionTimeout(connect)
                        .socketTimeout(timeout)
                        .connectionAcquisitionTimeout(timeout))
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()));
        if (config.endpoint() != null) {
            builder.endpointOverride(config.endpoint());
        }
        return builder.build();
    }
}
