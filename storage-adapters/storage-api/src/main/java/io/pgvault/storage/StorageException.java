package io.pgvault.storage;

/**
 * The one error type of the storage layer. Messages name the object (or container) and, where there is one, the way
 * out; they never contain credentials.
 */
public class StorageException extends RuntimeException {

    /** Why an operation failed, for callers that map failures to exit codes. */
    public enum Reason {
        /** The object does not exist. */
        NOT_FOUND,
        /** The object exists and the write asked for {@link WriteMode#CREATE_NEW}. */
        ALREADY_EXISTS,
        /** Credentials were refused or lack a permission; not retried. */
        ACCESS_DENIED,
        /** The adapter's settings are wrong (bad URL, missing bucket, unknown region); not retried. */
        CONFIGURATION,
        /** A transient failure persisted through every retry. */
        UNAVAILABLE,
        /** Any other I/O failure (disk full, permission on a local file, protocol error). */
        IO
    }

    private final Reason reason;

    public StorageException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public StorageException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
