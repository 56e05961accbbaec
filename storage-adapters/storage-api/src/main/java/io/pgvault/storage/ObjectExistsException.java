package io.pgvault.storage;

/** A {@link WriteMode#CREATE_NEW} write found the key taken; the existing object was left untouched. */
public class ObjectExistsException extends StorageException {
    private final String key;

    public ObjectExistsException(String key) {
        super(Reason.ALREADY_EXISTS, "object already exists: " + key);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
