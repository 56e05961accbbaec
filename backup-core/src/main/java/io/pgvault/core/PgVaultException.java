package io.pgvault.core;

import java.util.Objects;

/**
 * The one error type of pgvault above the storage layer: a short message naming the object and the way out, and an
 * {@link ErrorCode} that fixes the exit code.
 */
public class PgVaultException extends RuntimeException {

    private final ErrorCode code;

    public PgVaultException(ErrorCode code, String message) {
        super(message);
        this.code = Objects.requireNonNull(code);
    }

    public PgVaultException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code);
    }

    public ErrorCode code() {
        return code;
    }
}
