package io.pgvault.storage.fs;

import io.pgvault.storage.Storage;
import io.pgvault.storage.StorageException;
import io.pgvault.storage.StorageFactory;
import io.pgvault.storage.StorageSetting;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** {@code file:///absolute/path} repositories. */
public final class FsStorageFactory implements StorageFactory {

    @Override
    public String scheme() {
        return "file";
    }

    @Override
    public List<StorageSetting> settings() {
        return List.of();
    }

    @Override
    public Storage open(URI url, Map<String, String> settings, Map<String, String> environment) {
        if (url.getAuthority() != null && !url.getAuthority().isEmpty() && !"localhost".equals(url.getAuthority())) {
            throw new StorageException(StorageException.Reason.CONFIGURATION, "file repository URL '" + url
                    + "' names a host; use file:///absolute/path (three slashes)");
        }
        String path = url.getPath();
        if (path == null || !path.startsWith("/")) {
            throw new StorageException(StorageException.Reason.CONFIGURATION,
                    "file repository URL '" + url + "' needs an absolute path: file:///absolute/path");
        }
        return new FsStorage(new FsStorageConfig(Path.of(path).normalize(), true));
    }
}
