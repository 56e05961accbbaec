package io.pgvault.storage;

import java.time.Instant;
import java.util.Objects;

/**
 * Metadata of a complete object.
 *
 * @param key          the object's key, relative to the adapter's root
 * @param size         size in bytes
 * @param lastModified when the object was committed, by the store's clock
 */
public record ObjectInfo(String key, long size, Instant lastModified) {
    public ObjectInfo {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(lastModified, "lastModified");
        if (size < 0) {
            throw new IllegalArgumentException("negative size for " + key);
        }
    }
}
