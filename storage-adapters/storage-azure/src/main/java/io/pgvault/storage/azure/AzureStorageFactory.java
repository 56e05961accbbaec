package io.pgvault.storage.azure;

import io.pgvault.storage.Storage;
import io.pgvault.storage.StorageFactory;
import io.pgvault.storage.StorageSetting;
import java.net.URI;
import java.util.List;
import java.util.Map;

/** {@code azure://container/optional/prefix} repositories on Azure Blob Storage. */
public final class AzureStorageFactory implements StorageFactory {

    @Override
    public String scheme() {
        return "azure";
    }

    @Override
    public List<StorageSetting> settings() {
        return AzureSettings.ALL;
    }

    /** Opens the adapter; no request is made until the first operation. */
    @Override
    public Storage open(URI url, Map<String, String> settings, Map<String, String> environment) {
        return new AzureStorage(AzureSettings.parse(url, settings, environment));
    }
}
