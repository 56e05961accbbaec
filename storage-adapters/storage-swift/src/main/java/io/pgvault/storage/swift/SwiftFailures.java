package io.pgvault.storage.swift;

import io.pgvault.storage.StorageException;
import io.pgvault.storage.StorageException.Reason;
import java.util.function.Supplier;

/**
 * Final (not retried) answers of Swift as {@link StorageException}s whose one-line messages name the object or
 * container and the way out.
 */
final class SwiftFailures {

    private final SwiftStorageConfig config;
    private final Supplier<String> storageUrl;

    SwiftFailures(SwiftStorageConfig config, Supplier<String> storageUrl) {
        this.config = config;
        this.storageUrl = storageUrl;
    }

    StorageException missingContainer(String container) {
        return new StorageException(Reason.CONFIGURATION, "container '" + container + "' does not exist in "
                + storageUrl.get() + ": run `pgvault init` to create it, or check the repository URL "
                + config.location());
    }

    /** Any other status that the operation does not expect. */
    StorageException unexpected(String what, int status) {
        if (status == 403) {
            return new StorageException(Reason.ACCESS_DENIED, what + ": access denied (HTTP 403) for "
                    + config.credentials().describe() + "; it needs read and write access to containers "
                    + config.container() + " and " + config.segmentsContainer());
        }
        if (status == 413) {
            return new StorageException(Reason.IO, what + ": refused as too large (HTTP 413): lower "
                    + "swift-segment-size or raise the server's max_file_size");
        }
        return new StorageException(Reason.IO, what + ": unexpected answer HTTP " + status + " from "
                + storageUrl.get());
    }
}
