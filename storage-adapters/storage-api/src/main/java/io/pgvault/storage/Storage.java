package io.pgvault.storage;

import java.io.InputStream;
import java.util.Collection;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A flat store of immutable-once-visible objects addressed by {@link ObjectKey keys}, the one contract every
 * repository adapter (filesystem, S3, Azure Blob, Swift) implements. Adapters know nothing about PostgreSQL;
 * compression, checksums and encryption wrap the streams above this interface.
 *
 * <p>Implementations are thread-safe: one instance is shared by parallel workers. Every method either succeeds or
 * throws a {@link StorageException}; transient failures have already been retried by the adapter when it throws.
 */
public interface Storage extends AutoCloseable {

    /**
     * Metadata of one object.
     *
     * @return the object's metadata, or empty when no complete object has that key (never throws for absence)
     */
    Optional<ObjectInfo> stat(String key);

    /**
     * Opens the whole object for reading. The caller closes the stream.
     *
     * @throws ObjectNotFoundException when no complete object has that key
     */
    InputStream read(String key);

    /**
     * Opens {@code length} bytes of the object starting at {@code offset}; fewer bytes if the object ends first,
     * none if {@code offset} is at or past its end.
     *
     * @throws ObjectNotFoundException when no complete object has that key
     * @throws IllegalArgumentException when offset or length is negative
     */
    InputStream read(String key, long offset, long length);

    /**
     * Opens a write. Nothing is visible under the key (not to {@link #stat}, {@link #read} nor {@link #list}) until
     * {@link ObjectWriter#commit()} returns; then the whole object is visible at once and durable. Closing the writer
     * without committing, or any failure, leaves the key as it was before (and nothing listed).
     *
     * <p>With {@link WriteMode#OVERWRITE} a committed write replaces an existing object as a whole. With
     * {@link WriteMode#CREATE_NEW}, commit fails with {@link ObjectExistsException} when the key exists; that check is
     * atomic only where {@link Capability#ATOMIC_CREATE_NEW} is declared.
     */
    ObjectWriter write(String key, WriteMode mode);

    /**
     * Lists the complete objects whose keys start with {@code prefix} (a plain string prefix, not a folder), in
     * ascending key order. The stream is lazy and fetches one page per request, never one request per object; close
     * it when done if not consumed to the end.
     */
    Stream<ObjectInfo> list(String prefix);

    /**
     * Deletes the given objects, in batches where the service allows. Keys that do not exist are ignored, so a
     * repeated delete succeeds.
     */
    void delete(Collection<String> keys);

    /** What this adapter can do, declared rather than discovered by trial. */
    Set<Capability> capabilities();

    /** Releases connections and threads. The default does nothing. */
    @Override
    default void close() {
    }
}
