package io.pgvault.storage;

/** Optional abilities an adapter declares. */
public enum Capability {
    /** {@link WriteMode#CREATE_NEW} is checked atomically with the commit (no race between two writers). */
    ATOMIC_CREATE_NEW,
    /** Large objects are uploaded in parts, so object size is not limited by a single request. */
    MULTIPART_UPLOAD,
    /** {@link Storage#delete} sends one request per batch rather than one per key. */
    BATCH_DELETE,
    /** A committed object is durable on local disks of this host only (no copy elsewhere). */
    LOCAL
}
