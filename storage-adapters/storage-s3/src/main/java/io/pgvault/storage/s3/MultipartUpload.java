package io.pgvault.storage.s3;

import io.pgvault.storage.ObjectExistsException;
import io.pgvault.storage.StorageException;
import io.pgvault.storage.StorageException.Reason;
import java.io.ByteArrayInputStream;
import java.io.InterruptedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * One multi-part upload: parts go up in the background, at most {@code s3-upload-concurrency} at a time, each from
 * a buffer that returns to the writer once sent, so at most concurrency + 1 part buffers exist. Nothing is visible
 * until {@link #complete}; {@link #abort} stops the parts in flight and abandons the upload, so it leaves no object
 * and no upload in progress.
 */
final class MultipartUpload {

    private static final System.Logger LOG = System.getLogger(MultipartUpload.class.getName());
    private static final int MAX_PARTS = 10_000;

    private final S3Storage storage;
    private final String key;
    private final String uploadId;
    private final int maxBuffers;
    private final BlockingQueue<byte[]> freeBuffers = new LinkedBlockingQueue<>();
    private final List<Future<CompletedPart>> parts = new ArrayList<>();
    private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
    private final Object lock = new Object();
    private int buffers = 1; // the writer's first buffer
    private int running;
    private boolean aborted;

    private MultipartUpload(S3Storage storage, String key, String uploadId) {
        this.storage = storage;
        this.key = key;
        this.uploadId = uploadId;
        this.maxBuffers = storage.config().uploadConcurrency() + 1;
    }

    static MultipartUpload start(S3Storage storage, String key) {
        S3StorageConfig config = storage.config();
        String uploadId = storage.calls().run("start upload of", key, () -> storage.client().createMultipartUpload(
                b -> b.bucket(config.bucket()).key(storage.bucketKey(key)).contentType("application/octet-stream")
                        .checksumAlgorithm(ChecksumAlgorithm.CRC32).storageClass(config.storageClass())
                        .serverSideEncryption(config.sse()).ssekmsKeyId(config.sseKmsKeyId()))).uploadId();
        return new MultipartUpload(storage, key, uploadId);
    }

    /**
     * Queues a full part and returns an empty buffer for the next one, waiting while every buffer is in flight.
     *
     * @throws StorageException when an earlier part failed for good
     */
    byte[] submit(byte[] data, int length) throws InterruptedIOException {
        enqueue(data, length);
        byte[] next = freeBuffers.poll();
        if (next == null && buffers < maxBuffers) {
            buffers++;
            next = new byte[storage.config().partSize()];
        }
        if (next == null) {
            try {
                next = freeBuffers.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while writing " + key);
            }
        }
        throwIfFailed();
        return next;
    }

    private void enqueue(byte[] data, int length) {
        throwIfFailed();
        int number = parts.size() + 1;
        if (number > MAX_PARTS) {
            throw new StorageException(Reason.IO, "cannot write " + storage.config().location() + key
                    + ": more than 10,000 parts; raise s3-part-size");
        }
        parts.add(storage.uploads().submit(() -> uploadPart(number, data, length)));
    }

    private CompletedPart uploadPart(int number, byte[] data, int length) {
        synchronized (lock) {
            if (aborted) {
                return null;
            }
            running++;
        }
        S3StorageConfig config = storage.config();
        try {
            UploadPartResponse response = storage.calls().run("upload part " + number + " of", key,
                    () -> storage.client().uploadPart(b -> b.bucket(config.bucket()).key(storage.bucketKey(key))
                                    .uploadId(uploadId).partNumber(number).checksumAlgorithm(ChecksumAlgorithm.CRC32),
                            RequestBody.fromContentProvider(() -> new ByteArrayInputStream(data, 0, length), length,
                                    "application/octet-stream")));
            return CompletedPart.builder().partNumber(number).eTag(response.eTag())
                    .checksumCRC32(response.checksumCRC32()).build();
        } catch (RuntimeException e) {
            failure.compareAndSet(null, e);
            throw e;
        } finally {
            freeBuffers.add(data);
            synchronized (lock) {
                running--;
                lock.notifyAll();
            }
        }
    }

    private void throwIfFailed() {
        RuntimeException e = failure.get();
        if (e != null) {
            throw e;
        }
    }

    /**
     * Sends the last part, waits for every part, and makes the object visible.
     *
     * @param size the object's total size, to recognise our own commit when a retried request finds the upload gone
     * @return the commit time by the store's clock
     */
    Instant complete(byte[] last, int lastLength, boolean createNew, long size) {
        enqueue(last, lastLength);
        List<CompletedPart> done = new ArrayList<>(parts.size());
        for (Future<CompletedPart> part : parts) {
            done.add(await(part));
        }
        if (createNew && storage.stat(key).isPresent()) {
            // the check that works everywhere (the caller then abandons the parts); If-None-Match below closes
            // the window between this check and the commit on stores that evaluate it
            throw new ObjectExistsException(key);
        }
        S3StorageConfig config = storage.config();
        AtomicInteger attempts = new AtomicInteger();
        CompleteMultipartUploadResponse response = storage.calls().run("commit", key, () -> {
            try {
                attempts.incrementAndGet();
                return storage.client().completeMultipartUpload(b -> b.bucket(config.bucket())
                        .key(storage.bucketKey(key)).uploadId(uploadId).ifNoneMatch(createNew ? "*" : null)
                        .multipartUpload(m -> m.parts(done)));
            } catch (RuntimeException e) {
                if (createNew && S3Errors.is(e, 412, null)) {
                    throw new ObjectExistsException(key);
                }
                if (attempts.get() > 1 && S3Errors.is(e, 404, "NoSuchUpload")
                        && storage.stat(key).filter(info -> info.size() == size).isPresent()) {
                    return null; // an earlier attempt committed, only its answer was lost
                }
                throw e;
            }
        });
        return response == null ? Instant.now() : S3ObjectWriter.serverTime(response.sdkHttpResponse());
    }

    private CompletedPart await(Future<CompletedPart> part) {
        try {
            return part.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r
                    : new StorageException(Reason.IO, "cannot write " + key + ": " + e.getCause(), e.getCause());
        } catch (CancellationException e) {
            throw new StorageException(Reason.IO, "write of " + key + " was abandoned", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException(Reason.IO, "interrupted while writing " + key, e);
        }
    }

    /** Stops the parts in flight and abandons the upload; never throws (a leftover upload is invisible anyway). */
    void abort() {
        synchronized (lock) {
            if (aborted) {
                return;
            }
            aborted = true;
        }
        parts.forEach(part -> part.cancel(true));
        // a part that finishes after the abort could linger on the store, so wait for the ones already running
        long deadline = System.nanoTime() + storage.config().requestTimeout().toNanos() + 10_000_000_000L;
        synchronized (lock) {
            while (running > 0 && System.nanoTime() < deadline) {
                try {
                    lock.wait(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        S3StorageConfig config = storage.config();
        try {
            storage.calls().run("abandon upload of", key, () -> {
                try {
                    return storage.client().abortMultipartUpload(b -> b.bucket(config.bucket())
                            .key(storage.bucketKey(key)).uploadId(uploadId));
                } catch (RuntimeException e) {
                    if (S3Errors.is(e, 404, "NoSuchUpload")) {
                        return null;
                    }
                    throw e;
                }
            });
        } catch (StorageException e) {
            LOG.log(System.Logger.Level.WARNING, "could not abandon the multi-part upload of " + config.location()
                    + key + " (" + e.getMessage() + "); it stays invisible, and an S3 lifecycle rule "
                    + "AbortIncompleteMultipartUpload removes its parts");
        }
    }
}
