package io.pgvault.storage;

/** The single not-found path: thrown by reads of a key that holds no complete object. */
public class ObjectNotFoundException extends StorageException {
    private final String key;

    public ObjectNotFoundException(String key) {
        super(Reason.NOT_FOUND, "object not found: " + key);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
