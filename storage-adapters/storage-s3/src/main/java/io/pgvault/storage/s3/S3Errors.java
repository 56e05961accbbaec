package io.pgvault.storage.s3;

import io.pgvault.storage.StorageException;
import io.pgvault.storage.StorageException.Reason;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Set;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Which SDK failures are worth retrying, and what the others mean for the user. Messages name the operation and the
 * object and say what to fix; they never contain credentials (the SDK's own messages do not either).
 */
final class S3Errors {

    private static final Set<String> TRANSIENT_CODES = Set.of("RequestTimeout", "InternalError", "SlowDown",
            "ServiceUnavailable", "Throttling", "ThrottlingException", "RequestLimitExceeded", "OperationAborted");
    private static final Set<String> BAD_CREDENTIALS = Set.of("InvalidAccessKeyId", "SignatureDoesNotMatch",
            "ExpiredToken", "InvalidToken", "TokenRefreshRequired", "InvalidClientTokenId");
    private static final Set<String> WRONG_REGION = Set.of("PermanentRedirect", "AuthorizationHeaderMalformed",
            "IllegalLocationConstraintException", "InvalidRegion");

    private final S3StorageConfig config;

    S3Errors(S3StorageConfig config) {
        this.config = config;
    }

    /** Connection failures, timeouts, 5xx and throttling: the same request may well succeed a moment later. */
    static boolean isTransient(Throwable e) {
        if (e instanceof S3Exception s3) {
            int status = s3.statusCode();
            return status >= 500 || status == 429 || TRANSIENT_CODES.contains(String.valueOf(code(s3)));
        }
        if (e instanceof ApiCallAttemptTimeoutException || e instanceof ApiCallTimeoutException) {
            return true;
        }
        if (e instanceof AbortedException) {
            return false; // the thread was interrupted: the caller is giving up
        }
        if (e instanceof SdkClientException || e instanceof UncheckedIOException) {
            for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
                if (c instanceof IOException) {
                    return true; // resets, refused connections, timeouts; an interrupted caller is checked apart
                }
            }
        }
        return false;
    }

    /** The service's error code, or null (HEAD responses carry none). */
    static String code(S3Exception e) {
        return e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    }

    static boolean is(Throwable e, int status, String code) {
        return e instanceof S3Exception s3 && s3.statusCode() == status && (code == null || code.equals(code(s3)));
    }

    /** One line about a failure, without the SDK's request ids: "HTTP 503 SlowDown" or "SocketException: reset". */
    static String describe(Throwable e) {
        if (e instanceof S3Exception s3) {
            String code = code(s3);
            return "HTTP " + s3.statusCode() + (code == null ? "" : " " + code);
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? "" : ": " + root.getMessage();
        return root.getClass().getSimpleName() + message;
    }

    /**
     * Turns a failure that is not retried (or no longer) into the storage layer's error.
     *
     * @param op     what was being done, e.g. "read"
     * @param target the object or prefix, relative to the repository
     */
    StorageException translate(String op, String target, RuntimeException e) {
        if (e instanceof StorageException se) {
            return se;
        }
        String where = config.location() + target;
        if (e instanceof S3Exception s3) {
            String code = String.valueOf(code(s3)); // "null" when the answer had no body (HEAD)
            if (s3.statusCode() == 403 && BAD_CREDENTIALS.contains(code)) {
                return new StorageException(Reason.ACCESS_DENIED, "cannot " + op + " " + where + ": credentials "
                        + "refused (" + code + "); check " + config.credentialsOrigin(), e);
            }
            if (s3.statusCode() == 403) {
                return new StorageException(Reason.ACCESS_DENIED, "cannot " + op + " " + where + ": access denied; "
                        + "check the credentials from " + config.credentialsOrigin() + " and that the bucket policy "
                        + "allows s3:GetObject, s3:PutObject, s3:DeleteObject and s3:ListBucket", e);
            }
            if ("NoSuchBucket".equals(code)) {
                return noSuchBucket(e);
            }
            if (WRONG_REGION.contains(code) || s3.statusCode() == 301) {
                return new StorageException(Reason.CONFIGURATION, "cannot " + op + " " + where + ": bucket "
                        + config.bucket() + " is not in region " + config.region() + "; set s3-region", e);
            }
            if ("InvalidBucketName".equals(code)) {
                return new StorageException(Reason.CONFIGURATION, "invalid bucket name '" + config.bucket()
                        + "'; fix the repository URL", e);
            }
        }
        if (e instanceof SdkClientException && String.valueOf(e.getMessage()).contains("Unable to load credentials")) {
            return new StorageException(Reason.CONFIGURATION, "cannot " + op + " " + where + ": no AWS credentials "
                    + "found; set s3-access-key and s3-secret-key, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY", e);
        }
        if (e instanceof AbortedException) {
            return new StorageException(Reason.IO, "cannot " + op + " " + where + ": interrupted", e);
        }
        return new StorageException(Reason.IO, "cannot " + op + " " + where + ": " + describe(e), e);
    }

    StorageException noSuchBucket(Throwable cause) {
        return new StorageException(Reason.CONFIGURATION, "bucket " + config.bucket() + " does not exist"
                + (config.endpoint() == null ? "" : " at " + config.endpoint())
                + "; run `pgvault init` to create it, or fix the repository URL", cause);
    }

    StorageException interrupted(String op, String target, Throwable cause) {
        return new StorageException(Reason.IO, "cannot " + op + " " + config.location() + target
                + ": interrupted while waiting to retry after " + describe(cause), cause);
    }

    /** The failure after the last retry. */
    StorageException exhausted(String op, String target, int attempts, RuntimeException last) {
        return new StorageException(Reason.UNAVAILABLE, "cannot " + op + " " + config.location() + target
                + ": still failing after " + attempts + " attempts, last error " + describe(last)
                + "; check that " + (config.endpoint() == null ? "S3" : config.endpoint())
                + " is reachable, or raise s3-max-retries", last);
    }
}
