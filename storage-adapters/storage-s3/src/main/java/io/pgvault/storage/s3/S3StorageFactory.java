package io.pgvault.storage.s3;

import io.pgvault.storage.Storage;
import io.pgvault.storage.StorageFactory;
import io.pgvault.storage.StorageSetting;
import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * {@code s3://bucket/optional/prefix} repositories on Amazon S3 or an S3-compatible server ({@code s3-endpoint}).
 * Opening sends no request: a missing bucket is reported by the first operation, and created by {@code pgvault init}
 * through {@link S3Storage#ensureContainer()}.
 */
public final class S3StorageFactory implements StorageFactory {

    @Override
    public String scheme() {
        return "s3";
    }

    @Override
    public List<StorageSetting> settings() {
        return S3Settings.ALL;
    }

    @Override
    public Storage open(URI url, Map<String, String> settings, Map<String, String> environment) {
        return new S3Storage(S3Settings.parse(url, settings, environment));
    }
}
