package io.pgvault.storage.swift;

import io.pgvault.storage.Storage;
import io.pgvault.storage.StorageFactory;
import io.pgvault.storage.StorageSetting;
import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * {@code swift://container/optional/prefix} repositories on OpenStack Swift, logged in with Keystone v3 (settings
 * {@code swift-auth-url}, {@code swift-user}, {@code swift-password}, {@code swift-project}..., or the {@code OS_*}
 * variables) or tempauth ({@code swift-auth-version=1} with {@code swift-key}, or {@code ST_AUTH/ST_USER/ST_KEY}).
 * Opening does not contact the server; the first request logs in.
 */
public final class SwiftStorageFactory implements StorageFactory {

    @Override
    public String scheme() {
        return "swift";
    }

    @Override
    public List<StorageSetting> settings() {
        return SwiftSettings.ALL;
    }

    @Override
    public Storage open(URI url, Map<String, String> settings, Map<String, String> environment) {
        return new SwiftStorage(SwiftSettings.parse(url, settings, environment));
    }
}
