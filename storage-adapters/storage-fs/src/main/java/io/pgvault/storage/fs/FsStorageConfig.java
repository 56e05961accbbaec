package io.pgvault.storage.fs;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Settings of a filesystem repository.
 *
 * @param root  the directory that holds the repository
 * @param fsync whether commits fsync the file and its directory (always on outside tests)
 */
public record FsStorageConfig(Path root, boolean fsync) {
    public FsStorageConfig {
        Objects.requireNonNull(root, "root");
        if (!root.isAbsolute()) {
            throw new IllegalArgumentException("filesystem repository path must be absolute: " + root);
        }
    }
}
