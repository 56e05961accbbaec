package io.pgvault.storage;

/**
 * Optional ability of adapters whose objects live in a bucket or container that may not exist yet.
 * {@code pgvault init} uses it; other commands never create containers.
 */
public interface ContainerProvisioning {

    /**
     * Creates the bucket or container when it is missing and the credentials allow it.
     *
     * @return true when it was created, false when it already existed
     * @throws StorageException with {@link StorageException.Reason#ACCESS_DENIED} when creation is not allowed
     */
    boolean ensureContainer();
}
