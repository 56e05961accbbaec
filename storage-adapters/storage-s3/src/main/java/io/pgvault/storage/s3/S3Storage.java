package io.pgvault.storage.s3;

import io.pgvault.storage.Capability;
import io.pgvault.storage.ContainerProvisioning;
import io.pgvault.storage.ObjectInfo;
import io.pgvault.storage.ObjectKey;
import io.pgvault.storage.ObjectNotFoundException;
import io.pgvault.storage.ObjectWriter;
import io.pgvault.storage.Storage;
import io.pgvault.storage.StorageException;
import io.pgvault.storage.StorageException.Reason;
import io.pgvault.storage.WriteMode;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketLocationConstraint;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Error;

/**
 * A repository in an S3 bucket (AWS or S3-compatible), under an optional key prefix. Objects are written with a single
 * PutObject when they fit in one part and with a multi-part upload otherwise; either way nothing is visible before
 * commit. Reads are plain (optionally ranged) GETs that resume after a dropped connection; listings fetch one page of
 * up to 1,000 keys per request; deletes send batches of up to 1,000 keys.
 *
 * <p>{@link WriteMode#CREATE_NEW} checks for the key before committing and also sends {@code If-None-Match: *} with
 * the committing request, which AWS S3 and s3proxy evaluate atomically; since other S3-compatible servers may ignore
 * that header, {@link Capability#ATOMIC_CREATE_NEW} is not declared. Thread-safe.
 */
public final class S3Storage implements Storage, ContainerProvisioning {

    static final int DELETE_BATCH = 1000;
    private static final Duration RETRY_BASE_DELAY = Duration.ofMillis(200);
    private static final Duration RETRY_MAX_DELAY = Duration.ofSeconds(10);

    private final S3StorageConfig config;
    private final AwsCredentialsProvider credentials;
    private final S3Client client;
    private final S3Calls calls;
    private final ExecutorService uploads;
    /** Set once the bucket is known to exist, so a 404 on HEAD can only mean a missing key. */
    private volatile boolean bucketSeen;

    /** Builds the SDK client; sends no request, so a missing bucket shows at the first operation. */
    public S3Storage(S3StorageConfig config) {
        this.config = config;
        this.credentials = S3Clients.credentials(config);
        this.client = S3Clients.open(config, credentials);
        this.calls = new S3Calls(new S3Errors(config), config.maxRetries(), RETRY_BASE_DELAY, RETRY_MAX_DELAY);
        this.uploads = Executors.newCachedThreadPool(daemonThreads());
    }

    S3StorageConfig config() {
        return config;
    }

    S3Client client() {
        return client;
    }

    S3Calls calls() {
        return calls;
    }

    ExecutorService uploads() {
        return uploads;
    }

    /** The key in the bucket of a repository key. */
    String bucketKey(String key) {
        return config.prefix() + key;
    }

    @Override
    public Optional<ObjectInfo> stat(String key) {
        ObjectKey.check(key);
        Optional<HeadObjectResponse> head = calls.run("stat", key, () -> {
            try {
                return Optional.of(client.headObject(b -> b.bucket(config.bucket()).key(bucketKey(key))));
            } catch (RuntimeException e) {
                if (S3Errors.is(e, 404, null)) {
                    return Optional.empty();
                }
                throw e;
            }
        });
        if (head.isEmpty()) {
            // a HEAD answers 404 without an error code, for a missing bucket as for a missing key
            checkBucketOnce();
            return Optional.empty();
        }
        return Optional.of(new ObjectInfo(key, head.get().contentLength(), head.get().lastModified()));
    }

    private void checkBucketOnce() {
        if (bucketSeen) {
            return;
        }
        boolean exists = calls.run("check bucket of", "", () -> {
            try {
                client.headBucket(b -> b.bucket(config.bucket()));
                return true;
            } catch (RuntimeException e) {
                if (S3Errors.is(e, 404, null)) {
                    return false;
                }
                if (S3Errors.is(e, 403, null)) {
                    return true; // allowed to use objects but not to see the bucket: it exists
                }
                throw e;
            }
        });
        if (!exists) {
            throw calls.errors().noSuchBucket(null);
        }
        bucketSeen = true;
    }

    @Override
    public InputStream read(String key) {
        return read(key, 0, Long.MAX_VALUE);
    }

    @Override
    public InputStream read(String key, long offset, long length) {
        ObjectKey.check(key);
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("negative offset or length reading " + key);
        }
        if (length == 0) {
            if (stat(key).isEmpty()) {
                throw new ObjectNotFoundException(key);
            }
            return InputStream.nullInputStream();
        }
        long end = length > Long.MAX_VALUE - offset ? Long.MAX_VALUE : offset + length;
        return S3ObjectStream.open(this, key, offset, end);
    }

    @Override
    public ObjectWriter write(String key, WriteMode mode) {
        ObjectKey.check(key);
        return new S3ObjectWriter(this, key, mode);
    }

    @Override
    public Stream<ObjectInfo> list(String prefix) {
        ObjectKey.checkPrefix(prefix);
        return S3Listing.stream(this, prefix);
    }

    @Override
    public void delete(Collection<String> keys) {
        List<String> unique = new ArrayList<>(new LinkedHashSet<>(keys));
        unique.forEach(ObjectKey::check);
        if (!unique.isEmpty()) {
            // some S3-compatible servers (s3proxy) answer a batch delete in a missing bucket with success: a
            // mistyped repository URL must not make `pgvault expire` look done
            checkBucketOnce();
        }
        for (int from = 0; from < unique.size(); from += DELETE_BATCH) {
            deleteBatch(unique.subList(from, Math.min(unique.size(), from + DELETE_BATCH)));
        }
    }

    private void deleteBatch(List<String> batch) {
        List<ObjectIdentifier> ids = batch.stream()
                .map(k -> ObjectIdentifier.builder().key(bucketKey(k)).build()).toList();
        String what = batch.size() == 1 ? batch.get(0) : batch.size() + " objects from " + batch.get(0);
        DeleteObjectsResponse response = calls.run("delete", what, () -> client.deleteObjects(
                b -> b.bucket(config.bucket()).delete(d -> d.quiet(true).objects(ids))));
        for (S3Error error : response.errors()) {
            if ("NoSuchKey".equals(error.code())) {
                continue; // deleting an absent key is a success
            }
            String key = error.key().substring(Math.min(error.key().length(), config.prefix().length()));
            Reason reason = "AccessDenied".equals(error.code()) ? Reason.ACCESS_DENIED : Reason.IO;
            throw new StorageException(reason, "cannot delete " + config.location() + key + ": " + error.code()
                    + (reason == Reason.ACCESS_DENIED ? "; the credentials need s3:DeleteObject" : ""));
        }
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.of(Capability.MULTIPART_UPLOAD, Capability.BATCH_DELETE);
    }

    @Override
    public boolean ensureContainer() {
        boolean exists = calls.run("check bucket of", "", () -> {
            try {
                client.headBucket(b -> b.bucket(config.bucket()));
                return true;
            } catch (RuntimeException e) {
                if (S3Errors.is(e, 404, null)) {
                    return false;
                }
                throw e;
            }
        });
        if (exists) {
            bucketSeen = true;
            return false;
        }
        boolean created = calls.run("create bucket for", "", () -> {
            try {
                client.createBucket(b -> {
                    b.bucket(config.bucket());
                    if (!"us-east-1".equals(config.region())) {
                        b.createBucketConfiguration(c -> c.locationConstraint(
                                BucketLocationConstraint.fromValue(config.region())));
                    }
                });
                return true;
            } catch (RuntimeException e) {
                if (S3Errors.is(e, 409, "BucketAlreadyOwnedByYou")) {
                    return false; // created meanwhile by us, e.g. by a retried request
                }
                if (S3Errors.is(e, 409, "BucketAlreadyExists")) {
                    throw new StorageException(Reason.CONFIGURATION, "bucket name " + config.bucket()
                            + " is taken by another account; choose another bucket in the repository URL", e);
                }
                if (S3Errors.is(e, 403, null)) {
                    throw new StorageException(Reason.ACCESS_DENIED, "not allowed to create bucket " + config.bucket()
                            + " with the credentials from " + config.credentialsOrigin()
                            + "; create it yourself or grant s3:CreateBucket", e);
                }
                throw e;
            }
        });
        bucketSeen = true;
        return created;
    }

    @Override
    public void close() {
        uploads.shutdownNow();
        client.close();
        if (credentials instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception ignored) {
                // releasing a credentials refresher thread; nothing to report
            }
        }
    }

    @Override
    public String toString() {
        return "S3Storage[" + config.location() + "]";
    }

    private static ThreadFactory daemonThreads() {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, "pgvault-s3-upload-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
