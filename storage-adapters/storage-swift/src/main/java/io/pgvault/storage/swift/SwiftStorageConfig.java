package io.pgvault.storage.swift;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a Swift repository. Built by {@link SwiftSettings} from a {@code swift://container/prefix} URL, the
 * {@code swift-*} settings and the environment; {@link #toString()} masks the credentials' secret.
 *
 * @param container         the container holding the objects
 * @param prefix            key prefix inside the container: empty, or ending with '/'
 * @param credentials       how to log in
 * @param segmentSize       objects up to this size are one PUT; larger ones are static large objects of segments of
 *                          this size (one segment buffer per upload in flight, so this bounds memory)
 * @param uploadConcurrency segments of one object uploaded in parallel
 * @param requestTimeout    how long one request may take to answer before it counts as a transient failure
 * @param maxRetries        retries of a transient failure before giving up
 * @param storagePolicy     storage policy of containers {@code ensureContainer} creates; null for the default
 */
public record SwiftStorageConfig(String container, String prefix, SwiftCredentials credentials, int segmentSize,
                                 int uploadConcurrency, Duration requestTimeout, int maxRetries,
                                 String storagePolicy) {

    static final int DEFAULT_SEGMENT_SIZE = 32 << 20;
    static final int DEFAULT_UPLOAD_CONCURRENCY = 2;
    static final int DEFAULT_MAX_RETRIES = 6;

    public SwiftStorageConfig {
        Objects.requireNonNull(container, "container");
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(credentials, "credentials");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            throw new IllegalArgumentException("prefix must be empty or end with '/': " + prefix);
        }
        if (segmentSize < 1 || uploadConcurrency < 1 || maxRetries < 0) {
            throw new IllegalArgumentException("segment size and upload concurrency must be positive, retries >= 0");
        }
    }

    /** Where the segments of static large objects go: beside the container, so listings never see them. */
    public String segmentsContainer() {
        return container + "_segments";
    }

    /** The repository URL this config was read from, for messages. */
    String location() {
        return "swift://" + container + (prefix.isEmpty() ? "" : "/" + prefix.substring(0, prefix.length() - 1));
    }

    @Override
    public String toString() {
        return "SwiftStorageConfig[container=" + container + ", prefix=" + prefix + ", credentials=" + credentials
                + ", segmentSize=" + segmentSize + ", uploadConcurrency=" + uploadConcurrency + ", requestTimeout="
                + requestTimeout + ", maxRetries=" + maxRetries + ", storagePolicy=" + storagePolicy + "]";
    }
}
