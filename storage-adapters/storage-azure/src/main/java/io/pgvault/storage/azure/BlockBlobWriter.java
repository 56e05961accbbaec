package io.pgvault.storage.azure;

import com.azure.core.http.rest.Response;
import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import com.azure.storage.blob.models.AccessTier;
import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlockBlobItem;
import com.azure.storage.blob.options.BlockBlobCommitBlockListOptions;
import com.azure.storage.blob.options.BlockBlobSimpleUploadOptions;
import com.azure.storage.blob.specialized.BlockBlobClient;
import io.pgvault.storage.ObjectExistsException;
import io.pgvault.storage.ObjectInfo;
import io.pgvault.storage.ObjectWriter;
import io.pgvault.storage.StorageException;
import io.pgvault.storage.WriteMode;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Streams one object into a block blob. Bytes are buffered one block at a time; full blocks are staged in the
 * background, at most {@code uploadConcurrency} at once, so memory stays at {@code (uploadConcurrency + 1) * blockSize}
 * whatever the object's size. Staged blocks are invisible until the block list is committed; an abandoned write is
 * never committed and the service discards its blocks. An object that fits one block goes up in a single request.
 *
 * <p>Every commit carries this write's id in the blob's metadata, so that a commit retried after a lost answer can
 * recognise its own blob instead of reporting a conflict (see {@link CommitRecovery}).
 */
final class BlockBlobWriter extends ObjectWriter {

    /** The service's limit of blocks per blob. */
    private static final int MAX_BLOCKS = 50_000;
    /** Small objects never allocate a whole block. */
    private static final int FIRST_BUFFER = 64 * 1024;

    private final String key;
    private final BlockBlobClient blob;
    private final WriteMode mode;
    private final AzureStorageConfig config;
    private final AzureFailures failures;
    private final ExecutorService uploads;
    private final Semaphore inFlight;
    private final String writeId = UUID.randomUUID().toString().replace("-", "");
    private final CommitRecovery recovery;
    private final List<String> blockIds = new ArrayList<>();
    private final List<Future<?>> staged = new ArrayList<>();
    private final Queue<byte[]> spareBuffers = new ConcurrentLinkedQueue<>();
    private final AtomicReference<Throwable> stageFailure = new AtomicReference<>();
    private byte[] buffer;
    private int filled;
    private long size;
    private boolean commitOutcomeUnknown;

    BlockBlobWriter(String key, BlockBlobClient blob, WriteMode mode, AzureStorageConfig config,
                    AzureFailures failures, ExecutorService uploads) {
        this.key = key;
        this.blob = blob;
        this.mode = mode;
        this.config = config;
        this.failures = failures;
        this.uploads = uploads;
        this.inFlight = new Semaphore(config.uploadConcurrency());
        this.buffer = new byte[Math.min(FIRST_BUFFER, config.blockSize())];
        this.recovery = new CommitRecovery(blob, key, writeId, failures);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (isFinished()) {
            throw new IOException("write of " + key + " already committed or abandoned");
        }
        while (len > 0) {
            if (filled == config.blockSize()) {
                stageBuffer(false);
            }
            if (filled == buffer.length) {
                buffer = Arrays.copyOf(buffer, (int) Math.min(2L * buffer.length, config.blockSize()));
            }
            int n = Math.min(len, buffer.length - filled);
            System.arraycopy(b, off, buffer, filled, n);
            filled += n;
            off += n;
            len -= n;
            size += n;
        }
    }

    /**
     * Hands the buffer to a background upload, waiting while too many are in flight.
     *
     * @param last true for the final block, after which no new buffer is needed
     */
    private void stageBuffer(boolean last) throws IOException {
        throwIfStagingFailed();
        if (blockIds.size() == MAX_BLOCKS) {
            throw new StorageException(StorageException.Reason.IO, "cannot write azure object " + key + ": larger than"
                    + " 50,000 blocks of " + config.blockSize() + " bytes; raise azure-block-size");
        }
        try {
            inFlight.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing " + key);
        }
        byte[] data = buffer;
        int length = filled;
        String id = blockId(blockIds.size());
        blockIds.add(id);
        staged.add(uploads.submit(() -> {
            try {
                blob.stageBlock(id, BinaryData.fromByteBuffer(ByteBuffer.wrap(data, 0, length)));
            } catch (RuntimeException e) {
                stageFailure.compareAndSet(null, e);
                throw e;
            } finally {
                spareBuffers.add(data);
                inFlight.release();
            }
        }));
        filled = 0;
        if (!last) {
            byte[] spare = spareBuffers.poll();
            buffer = spare != null ? spare : new byte[config.blockSize()];
        }
    }

    /** Block ids of one blob must all have the same length, also across concurrent writers of the same key. */
    private String blockId(int index) {
        String id = writeId + "-" + String.format("%06d", index);
        return Base64.getEncoder().encodeToString(id.getBytes(StandardCharsets.US_ASCII));
    }

    private void throwIfStagingFailed() {
        Throwable failure = stageFailure.get();
        if (failure != null) {
            throw failures.translate("write", key, failure);
        }
    }

    @Override
    protected ObjectInfo doCommit() {
        try {
            if (blockIds.isEmpty()) {
                return uploadWhole();
            }
            if (filled > 0) {
                stageBuffer(true);
            }
            awaitStaged();
            return commitBlocks();
        } catch (IOException e) {
            throw new StorageException(StorageException.Reason.IO, "cannot write azure object " + key + ": " + e, e);
        }
    }

    private ObjectInfo uploadWhole() throws IOException {
        BlockBlobSimpleUploadOptions options = new BlockBlobSimpleUploadOptions(
                BinaryData.fromByteBuffer(ByteBuffer.wrap(buffer, 0, filled)))
                .setMetadata(Map.of(CommitRecovery.WRITE_ID, writeId))
                .setTier(tier())
                .setRequestConditions(conditions());
        try {
            Response<BlockBlobItem> response = blob.uploadWithResponse(options, null, Context.NONE);
            return info(response.getValue().getLastModified());
        } catch (RuntimeException e) {
            if (mode == WriteMode.CREATE_NEW && isConflict(e) && recovery.committed().isEmpty()) {
                // Azurite counts a key that holds only another writer's uncommitted blocks as existing for a
                // single-request upload, though not for a block list commit: take the block way, where the
                // condition means what it says.
                stageBuffer(true);
                awaitStaged();
                return commitBlocks();
            }
            return resolveCommitFailure(e);
        }
    }

    private static boolean isConflict(RuntimeException e) {
        return AzureFailures.hasCode(e, BlobErrorCode.BLOB_ALREADY_EXISTS) || AzureFailures.hasStatus(e, 412);
    }

    private ObjectInfo commitBlocks() {
        BlockBlobCommitBlockListOptions options = new BlockBlobCommitBlockListOptions(blockIds)
                .setMetadata(Map.of(CommitRecovery.WRITE_ID, writeId))
                .setTier(tier())
                .setRequestConditions(conditions());
        try {
            Response<BlockBlobItem> response = blob.commitBlockListWithResponse(options, null, Context.NONE);
            return info(response.getValue().getLastModified());
        } catch (RuntimeException e) {
            return resolveCommitFailure(e);
        }
    }

    /** CREATE_NEW is checked by the service, atomically with the commit. */
    private BlobRequestConditions conditions() {
        return mode == WriteMode.CREATE_NEW ? new BlobRequestConditions().setIfNoneMatch("*") : null;
    }

    private AccessTier tier() {
        return config.accessTier() == null ? null : AccessTier.fromString(config.accessTier());
    }

    private void awaitStaged() {
        for (Future<?> future : staged) {
            try {
                future.get();
            } catch (ExecutionException e) {
                throw failures.translate("write", key, e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StorageException(StorageException.Reason.IO, "interrupted while writing " + key);
            }
        }
    }

    /**
     * Decides what a refused or failed commit means. A conflict may be our own earlier try whose answer was lost; a
     * block list the service no longer knows means a concurrent writer of the same key committed after we began
     * (committing a blob discards every other uncommitted block).
     */
    private ObjectInfo resolveCommitFailure(RuntimeException e) {
        boolean conflict = isConflict(e);
        boolean blocksGone = AzureFailures.hasCode(e, BlobErrorCode.INVALID_BLOCK_LIST);
        if (mode == WriteMode.CREATE_NEW && (conflict || blocksGone)) {
            Optional<BlobProperties> current = recovery.committed();
            if (current.isPresent()) {
                if (recovery.isOurs(current.get())) {
                    return info(current.get().getLastModified());
                }
                throw new ObjectExistsException(key);
            }
        }
        if (mode == WriteMode.OVERWRITE && blocksGone) {
            Optional<BlobProperties> current = recovery.committed();
            if (current.isPresent() && recovery.blocksDiscarded(blockIds)) {
                // Another write of this key committed while ours was in flight. Ours counts as committed and at once
                // replaced by that one: the same outcome as if the two had been a moment apart.
                return info(current.get().getLastModified());
            }
        }
        commitOutcomeUnknown = AzureFailures.outcomeUnknown(e);
        throw failures.translate("write", key, e);
    }

    private ObjectInfo info(OffsetDateTime lastModified) {
        return new ObjectInfo(key, size, lastModified.toInstant());
    }

    @Override
    protected void doAbort() {
        staged.forEach(f -> f.cancel(true));
        buffer = new byte[0];
        spareBuffers.clear();
        if (commitOutcomeUnknown) {
            // a commit whose answer never came may still have been carried out
            recovery.deleteIfOurs();
        }
    }
}
