package io.pgvault.storage.s3;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of an S3 repository, validated. {@link S3Settings} builds one from a URL, the {@code s3-*} settings and the
 * environment; tests may build one directly. {@link #toString()} never shows the keys or the session token.
 *
 * @param bucket            the bucket holding the repository
 * @param prefix            key prefix every object is stored under: empty, or ending with '/'
 * @param region            signing region, e.g. {@code us-east-1}
 * @param endpoint          a custom endpoint (S3-compatible servers, VPC endpoints), or null for AWS's own
 * @param pathStyle         address the bucket in the path rather than in the host name
 * @param accessKey         static access key, or null to use {@code profile} or the AWS default credential chain
 * @param secretKey         static secret key; set exactly when {@code accessKey} is
 * @param sessionToken      session token of temporary static credentials, or null
 * @param profile           AWS profile to read credentials from when no static keys are given, or null
 * @param credentialsOrigin where the credentials come from, for error messages (never the credentials themselves)
 * @param storageClass      storage class of new objects (e.g. {@code STANDARD_IA}), or null for the bucket's default
 * @param sse               server-side encryption: null (none), {@code AES256} or {@code aws:kms}
 * @param sseKmsKeyId       KMS key for {@code aws:kms}, or null for the account's default key
 * @param requestTimeout    how long a connection may stall (connect, or no bytes received) before the attempt fails
 * @param uploadConcurrency parts of one object uploaded at once; buffers in memory per write are this plus one
 * @param partSize          bytes per part of a multi-part upload, and the largest object sent in a single request
 * @param maxRetries        retries of a transient failure before giving up
 */
public record S3StorageConfig(String bucket, String prefix, String region, URI endpoint, boolean pathStyle,
                              String accessKey, String secretKey, String sessionToken, String profile,
                              String credentialsOrigin, String storageClass, String sse, String sseKmsKeyId,
                              Duration requestTimeout, int uploadConcurrency, int partSize, int maxRetries) {

    /** S3 refuses smaller parts except the last one (s3proxy enforces it too). */
    public static final int MIN_PART_SIZE = 5 * 1024 * 1024;
    /** Parts are held in byte arrays; S3 itself allows up to 5 GiB. */
    public static final int MAX_PART_SIZE = 1024 * 1024 * 1024;
    public static final int DEFAULT_PART_SIZE = 16 * 1024 * 1024;
    public static final int DEFAULT_UPLOAD_CONCURRENCY = 2;
    public static final int DEFAULT_MAX_RETRIES = 8;
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(60);

    public S3StorageConfig {
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(credentialsOrigin, "credentialsOrigin");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            throw new IllegalArgumentException("prefix must be empty or end with '/': " + prefix);
        }
        if ((accessKey == null) != (secretKey == null)) {
            throw new IllegalArgumentException("an access key and a secret key go together");
        }
        if (sessionToken != null && accessKey == null) {
            throw new IllegalArgumentException("a session token needs an access key and a secret key");
        }
        if (partSize < MIN_PART_SIZE || partSize > MAX_PART_SIZE) {
            throw new IllegalArgumentException("part size must be between 5 MiB and 1 GiB: " + partSize);
        }
        if (uploadConcurrency < 1 || maxRetries < 0 || requestTimeout.isZero() || requestTimeout.isNegative()) {
            throw new IllegalArgumentException("upload concurrency, retries and timeout must be positive");
        }
    }

    /** Static keys and defaults for everything else; what tests against a local server use. */
    public static S3StorageConfig withKeys(String bucket, String prefix, URI endpoint, String accessKey,
                                           String secretKey) {
        return new S3StorageConfig(bucket, prefix, "us-east-1", endpoint, true, accessKey, secretKey, null, null,
                "static keys", null, null, null, DEFAULT_REQUEST_TIMEOUT, DEFAULT_UPLOAD_CONCURRENCY,
                DEFAULT_PART_SIZE, DEFAULT_MAX_RETRIES);
    }

    /** The same settings with another part size. */
    public S3StorageConfig withPartSize(int size) {
        return new S3StorageConfig(bucket, prefix, region, endpoint, pathStyle, accessKey, secretKey, sessionToken,
                profile, credentialsOrigin, storageClass, sse, sseKmsKeyId, requestTimeout, uploadConcurrency, size,
                maxRetries);
    }

    /** The same settings with another retry count and request timeout. */
    public S3StorageConfig withRetries(int retries, Duration timeout) {
        return new S3StorageConfig(bucket, prefix, region, endpoint, pathStyle, accessKey, secretKey, sessionToken,
                profile, credentialsOrigin, storageClass, sse, sseKmsKeyId, timeout, uploadConcurrency, partSize,
                retries);
    }

    /** The same settings against another endpoint. */
    public S3StorageConfig withEndpoint(URI newEndpoint) {
        return new S3StorageConfig(bucket, prefix, region, newEndpoint, pathStyle, accessKey, secretKey, sessionToken,
                profile, credentialsOrigin, storageClass, sse, sseKmsKeyId, requestTimeout, uploadConcurrency,
                partSize, maxRetries);
    }

    /** The same settings for another bucket. */
    public S3StorageConfig withBucket(String newBucket) {
        return new S3StorageConfig(newBucket, prefix, region, endpoint, pathStyle, accessKey, secretKey, sessionToken,
                profile, credentialsOrigin, storageClass, sse, sseKmsKeyId, requestTimeout, uploadConcurrency,
                partSize, maxRetries);
    }

    /** The repository's location, for messages: {@code s3://bucket/prefix}. */
    public String location() {
        return "s3://" + bucket + "/" + prefix;
    }

    @Override
    public String toString() {
        return "S3StorageConfig[bucket=" + bucket + ", prefix=" + prefix + ", region=" + region
                + ", endpoint=" + endpoint + ", pathStyle=" + pathStyle
                + ", accessKey=" + mask(accessKey) + ", secretKey=" + mask(secretKey)
                + ", sessionToken=" + mask(sessionToken) + ", profile=" + profile
                + ", credentialsOrigin=" + credentialsOrigin + ", storageClass=" + storageClass + ", sse=" + sse
                + ", sseKmsKeyId=" + sseKmsKeyId + ", requestTimeout=" + requestTimeout
                + ", uploadConcurrency=" + uploadConcurrency + ", partSize=" + partSize
                + ", maxRetries=" + maxRetries + "]";
    }

    private static String mask(String secret) {
        return secret == null ? "null" : "****";
    }
}
