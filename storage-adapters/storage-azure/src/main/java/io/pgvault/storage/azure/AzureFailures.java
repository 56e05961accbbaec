package io.pgvault.storage.azure;

import com.azure.core.exception.ClientAuthenticationException;
import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobStorageException;
import io.pgvault.storage.ObjectNotFoundException;
import io.pgvault.storage.StorageException;
import io.pgvault.storage.StorageException.Reason;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the SDK's exceptions into {@link StorageException}s that say what failed, why, and what to do. The SDK's
 * messages can carry request URLs with SAS signatures; everything that leaves here, causes included, is scrubbed.
 */
final class AzureFailures {

    /** Query parameters and connection-string fields whose values are secrets. */
    private static final Pattern SECRET_FIELDS = Pattern.compile(
            "(?i)((?:sig|signature|accountkey|sharedaccesssignature|access_token|client_secret)=)[^&;\\s\"'<>]+");
    /** The Authorization header of Shared Key requests: "SharedKey account:signature". */
    private static final Pattern SHARED_KEY_HEADER = Pattern.compile("(?i)(SharedKey(?:Lite)? [^:\\s]+:)\\S+");
    private static final Pattern BEARER = Pattern.compile("(?i)(Bearer )\\S+");
    /** The first line of the service's explanation in an error body. */
    private static final Pattern SERVICE_MESSAGE = Pattern.compile("<Message>([^<\\r\\n]*)");

    private final String container;
    private final String location;
    private final int maxRetries;
    private final String endpoint;
    private final List<String> secrets;

    AzureFailures(AzureStorageConfig config) {
        this.container = config.container();
        this.location = config.location();
        this.maxRetries = config.maxRetries();
        this.endpoint = config.endpoint() == null ? "the connection string's endpoint" : config.endpoint().toString();
        // longest first, so a secret that contains another is scrubbed whole
        this.secrets = config.credentials().secrets().stream().filter(s -> s.length() >= 4)
                .sorted(Comparator.comparingInt(String::length).reversed()).toList();
    }

    /** The text without any secret this adapter knows of or that looks like a signature. */
    String redact(String text) {
        if (text == null) {
            return "";
        }
        String clean = text;
        for (String secret : secrets) {
            clean = clean.replace(secret, "***");
        }
        clean = SECRET_FIELDS.matcher(clean).replaceAll("$1***");
        clean = SHARED_KEY_HEADER.matcher(clean).replaceAll("$1***");
        return BEARER.matcher(clean).replaceAll("$1***");
    }

    /**
     * The storage exception for a failed operation.
     *
     * @param op  what was being done, as a verb: "read", "write", "list"
     * @param key the object's key, or null for operations on the container
     */
    StorageException translate(String op, String key, Throwable failure) {
        if (failure instanceof StorageException done) {
            return done;
        }
        String what = key == null ? "azure container " + location : "azure object " + key + " in " + location;
        String why = summary(failure);
        RedactedException cause = redacted(failure);
        if (failure instanceof BlobStorageException e) {
            int status = e.getStatusCode();
            BlobErrorCode code = e.getErrorCode();
            if (BlobErrorCode.CONTAINER_NOT_FOUND.equals(code)) {
                return new StorageException(Reason.CONFIGURATION, "azure container '" + container
                        + "' does not exist (" + op + " " + (key == null ? location : key)
                        + "): run `pgvault init` to create it, or check the repository URL", cause);
            }
            if (key != null && isBlobNotFound(e)) {
                return new ObjectNotFoundException(key);
            }
            if (status == 401 || status == 403) {
                return new StorageException(Reason.ACCESS_DENIED, "access denied to " + op + " " + what + ": " + why
                        + "; check azure-key, azure-sas-token or azure-connection-string, and that they allow "
                        + op, cause);
            }
            if (isTransient(status)) {
                return unavailable(op, what, why, cause);
            }
            return new StorageException(Reason.IO, "cannot " + op + " " + what + ": " + why, cause);
        }
        if (failure instanceof ClientAuthenticationException) {
            return new StorageException(Reason.ACCESS_DENIED, "no usable Azure credentials to " + op + " " + what
                    + ": " + why + "; set azure-key, azure-sas-token or azure-connection-string, or give this host"
                    + " a managed identity", cause);
        }
        if (isNetworkFailure(failure)) {
            return unavailable(op, what, why, cause);
        }
        return new StorageException(Reason.IO, "cannot " + op + " " + what + ": " + why, cause);
    }

    private StorageException unavailable(String op, String what, String why, RedactedException cause) {
        return new StorageException(Reason.UNAVAILABLE, "cannot " + op + " " + what + ": still failing after "
                + maxRetries + (maxRetries == 1 ? " retry: " : " retries: ") + why
                + " (check the network and azure-endpoint, or try again later)", cause);
    }

    /** 404 for a blob; a HEAD answer has no body, so an unnamed 404 counts too (a missing container names itself). */
    static boolean isBlobNotFound(Throwable failure) {
        return failure instanceof BlobStorageException e && e.getStatusCode() == 404
                && (e.getErrorCode() == null || BlobErrorCode.BLOB_NOT_FOUND.equals(e.getErrorCode()));
    }

    static boolean hasCode(Throwable failure, BlobErrorCode code) {
        return failure instanceof BlobStorageException e && code.equals(e.getErrorCode());
    }

    static boolean hasStatus(Throwable failure, int status) {
        return failure instanceof BlobStorageException e && e.getStatusCode() == status;
    }

    /** Statuses worth retrying: timeouts, throttling and server errors (not 501 or 505, which will not change). */
    static boolean isTransient(int status) {
        return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
    }

    /**
     * True when the request may have been carried out although no answer came back, so that its effect is unknown.
     */
    static boolean outcomeUnknown(Throwable failure) {
        return failure instanceof BlobStorageException e ? isTransient(e.getStatusCode()) : isNetworkFailure(failure);
    }

    static boolean isNetworkFailure(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof IOException || t instanceof UncheckedIOException || t instanceof TimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** One line: the HTTP status and service error code, or the exception's type and message. */
    private String summary(Throwable failure) {
        String text;
        if (failure instanceof BlobStorageException e) {
            Matcher found = SERVICE_MESSAGE.matcher(String.valueOf(e.getMessage()));
            String service = found.find() ? found.group(1) : "";
            text = "HTTP " + e.getStatusCode() + (e.getErrorCode() == null ? "" : " " + e.getErrorCode())
                    + (service.isBlank() ? "" : " (" + service.trim() + ")");
        } else {
            text = networkSummary(failure);
        }
        text = redact(text);
        return text.length() > 300 ? text.substring(0, 300) + "..." : text;
    }

    /** Names the usual network failures plainly; otherwise the innermost exception that explains itself. */
    private String networkSummary(Throwable failure) {
        List<Throwable> chain = chain(failure);
        // most specific first: a connection failure wraps the reason it could not connect
        if (chain.stream().anyMatch(t -> t instanceof UnresolvedAddressException || t instanceof UnknownHostException)) {
            return "cannot resolve the host of " + endpoint;
        }
        if (chain.stream().anyMatch(t -> t instanceof HttpTimeoutException || t instanceof TimeoutException)) {
            return "no answer within the request timeout (azure-request-timeout)";
        }
        if (chain.stream().anyMatch(t -> t instanceof ConnectException)) {
            return "cannot connect to " + endpoint;
        }
        Throwable explained = chain.stream().filter(t -> t.getMessage() != null && !t.getMessage().isBlank())
                .reduce((outer, inner) -> inner).orElse(chain.get(chain.size() - 1));
        String message = explained.getMessage() == null ? "" : explained.getMessage().lines().findFirst().orElse("");
        return explained.getClass().getSimpleName() + (message.isBlank() ? "" : ": " + message);
    }

    /** The failure and its causes, outermost first, cut short on cycles. */
    private static List<Throwable> chain(Throwable failure) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = failure; t != null && chain.size() < 10 && !chain.contains(t); t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }

    /** A copy of the failure and its causes with scrubbed messages and the original stack traces. */
    RedactedException redacted(Throwable failure) {
        List<Throwable> chain = chain(failure);
        RedactedException copy = null;
        for (int i = chain.size() - 1; i >= 0; i--) {
            Throwable t = chain.get(i);
            copy = new RedactedException(t.getClass().getName() + ": " + redact(t.getMessage()), copy);
            copy.setStackTrace(t.getStackTrace());
        }
        return copy;
    }

    /** Stands in for an SDK exception whose message may hold a secret. */
    static final class RedactedException extends RuntimeException {
        RedactedException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
