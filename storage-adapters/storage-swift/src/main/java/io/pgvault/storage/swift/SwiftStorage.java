package io.pgvault.storage.swift;

import io.pgvault.storage.Capability;
import io.pgvault.storage.ContainerProvisioning;
import io.pgvault.storage.ObjectInfo;
import io.pgvault.storage.ObjectKey;
import io.pgvault.storage.ObjectWriter;
import io.pgvault.storage.Storage;
import io.pgvault.storage.StorageException;
import io.pgvault.storage.StorageException.Reason;
import io.pgvault.storage.WriteMode;
import java.io.InputStream;
import java.time.Duration;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.openstack4j.core.transport.HttpResponse;

/**
 * A repository in an OpenStack Swift container ({@code swift://container/optional/prefix}), through OpenStack4j,
 * logged in with Keystone v3 or tempauth.
 *
 * <p>Objects up to the segment size are single PUTs; larger ones, of any length, are static large objects whose
 * segments live in {@code <container>_segments} and become visible only when the manifest PUT succeeds. Create-new
 * writes use {@code If-None-Match: *}, which Swift checks when the PUT starts, not when it ends, so two racing
 * writers can both succeed: {@link Capability#ATOMIC_CREATE_NEW} is not declared. Deletes go through the bulk
 * middleware and take the segments of deleted large objects along. Transient failures are retried with backoff; an
 * expired token is renewed once. Thread-safe.
 */
public final class SwiftStorage implements Storage, ContainerProvisioning {

    private final SwiftStorageConfig config;
    private final SwiftRequests requests;
    private final SwiftFailures failures;
    private final BulkDelete bulk;
    private final SloSegments segments;
    private final SwiftObjects objects;
    private final ExecutorService uploads;
    private final StallWatchdog watchdog;

    public SwiftStorage(SwiftStorageConfig config) {
        this.config = config;
        SwiftRetry retry = new SwiftRetry(config.maxRetries(), Duration.ofMillis(200), Duration.ofSeconds(10));
        SwiftSession session = new SwiftSession(config.credentials(), config.requestTimeout(), retry);
        this.requests = new SwiftRequests(session, retry, config.credentials());
        this.failures = new SwiftFailures(config, requests::storageUrl);
        this.bulk = new BulkDelete(requests, failures);
        this.segments = new SloSegments(config, requests, failures, bulk);
        this.uploads = Executors.newCachedThreadPool(daemonThreads());
        this.watchdog = new StallWatchdog(config.requestTimeout());
        this.objects = new SwiftObjects(config, requests, failures, segments, uploads, watchdog);
    }

    /** The container name of a key: the repository prefix, then the key (checked before any request is made). */
    private String nameOf(String key) {
        return config.prefix() + ObjectKey.check(key);
    }

    @Override
    public Optional<ObjectInfo> stat(String key) {
        return objects.stat(key, nameOf(key));
    }

    @Override
    public InputStream read(String key) {
        return read(key, 0, Long.MAX_VALUE);
    }

    @Override
    public InputStream read(String key, long offset, long length) {
        String name = nameOf(key);
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("negative offset or length reading " + key);
        }
        return objects.read(key, name, offset, length);
    }

    @Override
    public ObjectWriter write(String key, WriteMode mode) {
        return new SwiftObjectWriter(objects, key, nameOf(key), mode);
    }

    @Override
    public Stream<ObjectInfo> list(String prefix) {
        ObjectKey.checkPrefix(prefix);
        int strip = config.prefix().length();
        return SwiftListing.stream(requests, config.container(), config.prefix() + prefix, failures)
                .map(e -> new ObjectInfo(e.name().substring(strip), e.bytes(), e.lastModified()));
    }

    /**
     * Deletes in bulk requests of up to {@value BulkDelete#BATCH} keys, then the segments that belonged to them.
     * Deleting a key while it is being written makes that write fail.
     */
    @Override
    public void delete(Collection<String> keys) {
        List<String> names = keys.stream().map(this::nameOf).distinct().sorted().collect(Collectors.toList());
        if (names.isEmpty()) {
            return;
        }
        String what = "delete of " + names.size() + " objects under " + config.location();
        bulk.delete(config.container(), names, what);
        segments.deleteOwnedBy(names, what);
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.of(Capability.MULTIPART_UPLOAD, Capability.BATCH_DELETE);
    }

    /** Creates the container and the segments container where missing, with swift-storage-policy if given. */
    @Override
    public boolean ensureContainer() {
        boolean created = create(config.container());
        return create(config.segmentsContainer()) || created;
    }

    private boolean create(String container) {
        String what = "creation of container " + container;
        HttpResponse head = requests.send(what, calls -> calls.headContainer(container));
        SwiftRequests.close(head);
        if (head.getStatus() / 100 == 2) {
            return false;
        }
        if (head.getStatus() != 404) {
            throw failures.unexpected(what, head.getStatus());
        }
        HttpResponse put = requests.send(what, calls -> calls.createContainer(container, config.storagePolicy()));
        SwiftRequests.close(put);
        if (put.getStatus() == 400 && config.storagePolicy() != null) {
            throw new StorageException(Reason.CONFIGURATION, what + ": Swift refused swift-storage-policy '"
                    + config.storagePolicy() + "' (HTTP 400); use a policy name listed by GET /info");
        }
        if (put.getStatus() / 100 != 2) {
            throw failures.unexpected(what, put.getStatus());
        }
        return put.getStatus() == 201;
    }

    @Override
    public void close() {
        uploads.shutdown();
        watchdog.close();
    }

    @Override
    public String toString() {
        return "SwiftStorage[" + config.location() + "]";
    }

    private static ThreadFactory daemonThreads() {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, "pgvault-swift-upload-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
