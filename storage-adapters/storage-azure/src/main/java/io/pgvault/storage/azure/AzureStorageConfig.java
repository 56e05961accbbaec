package io.pgvault.storage.azure;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of an Azure Blob repository. Built from the URL and settings by {@link AzureSettings}; tests build their
 * own to shorten retry delays. {@code toString} never shows a secret.
 *
 * @param container         the blob container that holds the repository
 * @param prefix            key prefix inside the container: empty, or ending with '/'
 * @param endpoint          the blob service endpoint (e.g. {@code https://acct.blob.core.windows.net}); null only
 *                          when the connection string supplies it
 * @param credentials       how requests are signed
 * @param accessTier        tier of new blobs (Hot, Cool, Cold, Archive); null for the account's default
 * @param requestTimeout    limit for one try of one request
 * @param uploadConcurrency blocks of one object uploaded at the same time
 * @param blockSize         bytes per staged block; also the unit of buffered reads. Memory per open write is at
 *                          most {@code (uploadConcurrency + 1) * blockSize}
 * @param maxRetries        retries of a transient failure (connection reset, timeout, 5xx, throttling)
 * @param retryDelay        ceiling of the first retry's delay; doubles with each retry, the delay drawn between
 *                          half the ceiling and all of it
 * @param maxRetryDelay     the highest ceiling
 * @param listPageSize      blobs asked for per listing request
 */
public record AzureStorageConfig(String container, String prefix, URI endpoint, AzureCredentials credentials,
                                 String accessTier, Duration requestTimeout, int uploadConcurrency, int blockSize,
                                 int maxRetries, Duration retryDelay, Duration maxRetryDelay, int listPageSize) {

    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(60);
    public static final int DEFAULT_UPLOAD_CONCURRENCY = 4;
    public static final int DEFAULT_BLOCK_SIZE = 8 * 1024 * 1024;
    public static final int MIN_BLOCK_SIZE = 16 * 1024;
    /** Azure allows 4000 MiB per block; buffers are Java arrays, so stay well below 2 GiB. */
    public static final int MAX_BLOCK_SIZE = 1024 * 1024 * 1024;
    public static final int DEFAULT_MAX_RETRIES = 5;
    public static final Duration DEFAULT_RETRY_DELAY = Duration.ofSeconds(1);
    public static final Duration DEFAULT_MAX_RETRY_DELAY = Duration.ofSeconds(60);
    /** The service's own maximum page. */
    public static final int DEFAULT_LIST_PAGE_SIZE = 5000;

    public AzureStorageConfig {
        Objects.requireNonNull(container, "container");
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(credentials, "credentials");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(retryDelay, "retryDelay");
        Objects.requireNonNull(maxRetryDelay, "maxRetryDelay");
        if (endpoint == null && !(credentials instanceof AzureCredentials.ConnectionString)) {
            throw new IllegalArgumentException("an endpoint is needed unless a connection string gives it");
        }
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            throw new IllegalArgumentException("prefix must be empty or end with '/': " + prefix);
        }
        if (blockSize < MIN_BLOCK_SIZE || blockSize > MAX_BLOCK_SIZE) {
            throw new IllegalArgumentException("block size out of range: " + blockSize);
        }
        if (uploadConcurrency < 1 || maxRetries < 0 || listPageSize < 1 || listPageSize > DEFAULT_LIST_PAGE_SIZE) {
            throw new IllegalArgumentException("upload concurrency, retries or page size out of range");
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero() || retryDelay.isNegative()
                || maxRetryDelay.compareTo(retryDelay) < 0) {
            throw new IllegalArgumentException("timeouts and retry delays must be positive and ordered");
        }
    }

    /** A configuration with every tunable at its default. */
    public static AzureStorageConfig of(String container, String prefix, URI endpoint, AzureCredentials credentials) {
        return new AzureStorageConfig(container, prefix, endpoint, credentials, null, DEFAULT_REQUEST_TIMEOUT,
                DEFAULT_UPLOAD_CONCURRENCY, DEFAULT_BLOCK_SIZE, DEFAULT_MAX_RETRIES, DEFAULT_RETRY_DELAY,
                DEFAULT_MAX_RETRY_DELAY, DEFAULT_LIST_PAGE_SIZE);
    }

    public AzureStorageConfig withBlockSize(int bytes) {
        return new AzureStorageConfig(container, prefix, endpoint, credentials, accessTier, requestTimeout,
                uploadConcurrency, bytes, maxRetries, retryDelay, maxRetryDelay, listPageSize);
    }

    public AzureStorageConfig withRetries(int retries, Duration delay, Duration maxDelay) {
        return new AzureStorageConfig(container, prefix, endpoint, credentials, accessTier, requestTimeout,
                uploadConcurrency, blockSize, retries, delay, maxDelay, listPageSize);
    }

    public AzureStorageConfig withListPageSize(int pageSize) {
        return new AzureStorageConfig(container, prefix, endpoint, credentials, accessTier, requestTimeout,
                uploadConcurrency, blockSize, maxRetries, retryDelay, maxRetryDelay, pageSize);
    }

    public AzureStorageConfig withEndpoint(URI newEndpoint) {
        return new AzureStorageConfig(container, prefix, newEndpoint, credentials, accessTier, requestTimeout,
                uploadConcurrency, blockSize, maxRetries, retryDelay, maxRetryDelay, listPageSize);
    }

    /** Where the repository is, for messages: {@code container/prefix}. */
    public String location() {
        return container + (prefix.isEmpty() ? "" : "/" + prefix.substring(0, prefix.length() - 1));
    }

    /** Spelled out so that a secret can never slip in through a new component. */
    @Override
    public String toString() {
        return "AzureStorageConfig[container=" + container + ", prefix=" + prefix + ", endpoint=" + endpoint
                + ", credentials=" + credentials + ", accessTier=" + accessTier + ", requestTimeout=" + requestTimeout
                + ", uploadConcurrency=" + uploadConcurrency + ", blockSize=" + blockSize + ", maxRetries="
                + maxRetries + ", retryDelay=" + retryDelay + ", maxRetryDelay=" + maxRetryDelay + ", listPageSize="
                + listPageSize + "]";
    }
}
