package io.pgvault.storage;

import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * Creates adapters for one URL scheme. Implementations are registered with {@link java.util.ServiceLoader} (a
 * {@code META-INF/services/io.pgvault.storage.StorageFactory} entry) and found by {@link Storages}.
 */
public interface StorageFactory {

    /** The URL scheme this factory serves, e.g. {@code s3}. */
    String scheme();

    /** Settings this adapter accepts besides the URL (names prefixed by the scheme). */
    List<StorageSetting> settings();

    /**
     * Opens an adapter rooted at the URL's location (bucket or container, plus an optional key prefix).
     *
     * @param url         the repository URL, e.g. {@code s3://bucket/prefix}
     * @param settings    values of {@link #settings()} that were given; absent keys take the adapter's defaults
     * @param environment the process environment, for the ecosystem's usual variables (the adapter never reads
     *                    {@link System#getenv()} itself, so tests can pass their own)
     * @throws StorageException with {@link StorageException.Reason#CONFIGURATION} naming the bad setting
     */
    Storage open(URI url, Map<String, String> settings, Map<String, String> environment);
}
