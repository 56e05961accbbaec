package io.pgvault.storage;

/** What a committed write does when the key already exists. */
public enum WriteMode {
    /** Replace the existing object as a whole. */
    OVERWRITE,
    /** Fail with {@link ObjectExistsException}; the existing object is left untouched. */
    CREATE_NEW
}
