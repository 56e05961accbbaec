package io.pgvault.storage.azure;

import com.azure.core.util.Context;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobRange;
import com.azure.storage.blob.models.DeleteSnapshotsOptionType;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.options.BlobInputStreamOptions;
import com.azure.storage.blob.specialized.BlockBlobClient;
import io.pgvault.storage.Capability;
import io.pgvault.storage.ContainerProvisioning;
import io.pgvault.storage.ObjectInfo;
import io.pgvault.storage.ObjectKey;
import io.pgvault.storage.ObjectNotFoundException;
import io.pgvault.storage.ObjectWriter;
import io.pgvault.storage.Storage;
import io.pgvault.storage.StorageException;
import io.pgvault.storage.WriteMode;
import java.io.InputStream;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A repository in an Azure Blob Storage container, one block blob per object, under an optional prefix. Writes stage
 * blocks and become visible only when the block list is committed; create-new is an If-None-Match condition on that
 * commit, so the service arbitrates races. Transient failures are retried inside the SDK's pipeline (see
 * {@link AzureRetryStrategy}); what reaches the caller is a {@link StorageException} that names the object.
 */
public final class AzureStorage implements Storage, ContainerProvisioning {

    /** Deletes in flight at once; the blob batch API is not used because Azurite does not serve it. */
    private static final int DELETE_PARALLELISM = 16;

    private final AzureStorageConfig config;
    private final AzureFailures failures;
    private final BlobContainerClient container;
    private final ExecutorService workers;

    public AzureStorage(AzureStorageConfig config) {
        this.config = config;
        this.failures = new AzureFailures(config);
        this.container = AzureClients.serviceClient(config).getBlobContainerClient(config.container());
        AtomicInteger threads = new AtomicInteger();
        this.workers = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "pgvault-azure-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    public AzureStorageConfig config() {
        return config;
    }

    private BlockBlobClient blob(String key) {
        return container.getBlobClient(config.prefix() + ObjectKey.check(key)).getBlockBlobClient();
    }

    @Override
    public Optional<ObjectInfo> stat(String key) {
        BlockBlobClient blob = blob(key);
        try {
            BlobProperties properties = blob.getProperties();
            return Optional.of(new ObjectInfo(key, properties.getBlobSize(), properties.getLastModified().toInstant()));
        } catch (RuntimeException e) {
            if (AzureFailures.isBlobNotFound(e)) {
                return Optional.empty();
            }
            throw failures.translate("stat", key, e);
        }
    }

    @Override
    public InputStream read(String key) {
        return read(key, 0, Long.MAX_VALUE);
    }

    @Override
    public InputStream read(String key, long offset, long length) {
        BlockBlobClient blob = blob(key);
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("negative offset or length reading " + key);
        }
        if (length == 0) {
            // no range to ask for, but a missing object must still fail
            stat(key).orElseThrow(() -> new ObjectNotFoundException(key));
            return InputStream.nullInputStream();
        }
        BlobInputStreamOptions options = new BlobInputStreamOptions().setBlockSize(config.blockSize());
        if (offset > 0 || length != Long.MAX_VALUE) {
            options.setRange(new BlobRange(offset, length > Long.MAX_VALUE - offset ? null : length));
        }
        try {
            return new BlobReadStream(blob.openInputStream(options), key, failures);
        } catch (RuntimeException e) {
            if (AzureFailures.hasStatus(e, 416)) {
                return InputStream.nullInputStream(); // the blob exists and the range starts past its end
            }
            throw failures.translate("read", key, e);
        }
    }

    @Override
    public ObjectWriter write(String key, WriteMode mode) {
        return new BlockBlobWriter(key, blob(key), mode, config, failures, workers);
    }

    @Override
    public Stream<ObjectInfo> list(String prefix) {
        ObjectKey.checkPrefix(prefix);
        ListBlobsOptions options = new ListBlobsOptions().setPrefix(config.prefix() + prefix)
                .setMaxResultsPerPage(config.listPageSize());
        return BlobListing.stream(container.listBlobs(options, null), config.prefix().length(), prefix, failures);
    }

    @Override
    public void delete(Collection<String> keys) {
        Map<String, BlockBlobClient> blobs = new LinkedHashMap<>();
        keys.forEach(key -> blobs.put(key, blob(key))); // every key checked before the first request
        Semaphore slots = new Semaphore(DELETE_PARALLELISM);
        Map<String, Future<?>> deletes = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, BlockBlobClient> entry : blobs.entrySet()) {
                slots.acquire();
                deletes.put(entry.getKey(), workers.submit(() -> {
                    try {
                        entry.getValue().deleteIfExistsWithResponse(DeleteSnapshotsOptionType.INCLUDE, null, null,
                                Context.NONE);
                    } finally {
                        slots.release();
                    }
                }));
            }
            for (Map.Entry<String, Future<?>> delete : deletes.entrySet()) {
                try {
                    delete.getValue().get();
                } catch (ExecutionException e) {
                    deletes.values().forEach(f -> f.cancel(false));
                    throw failures.translate("delete", delete.getKey(), e.getCause());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            deletes.values().forEach(f -> f.cancel(false));
            throw new StorageException(StorageException.Reason.IO, "interrupted while deleting from "
                    + config.location());
        }
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.of(Capability.ATOMIC_CREATE_NEW, Capability.MULTIPART_UPLOAD);
    }

    @Override
    public boolean ensureContainer() {
        try {
            return container.createIfNotExists();
        } catch (RuntimeException e) {
            throw failures.translate("create", null, e);
        }
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }

    @Override
    public String toString() {
        return "AzureStorage[" + config.location() + " at " + config.endpoint() + "]";
    }
}
