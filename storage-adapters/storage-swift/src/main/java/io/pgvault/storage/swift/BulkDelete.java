package io.pgvault.storage.swift;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgvault.storage.StorageException;
import io.pgvault.storage.StorageException.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.openstack4j.core.transport.HttpResponse;

/**
 * Deletes objects through Swift's bulk middleware ({@code POST ?bulk-delete}): one request per {@link #BATCH} names.
 * The middleware answers 200 and reports inside its JSON body, per object; the worst status found there decides
 * whether the batch is retried (401, 5xx), refused (403) or done (absent objects count as done).
 */
final class BulkDelete {

    /** Well under the middleware's default limit of 10,000, to keep each request short. */
    static final int BATCH = 1000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SwiftRequests requests;
    private final SwiftFailures failures;

    BulkDelete(SwiftRequests requests, SwiftFailures failures) {
        this.requests = requests;
        this.failures = failures;
    }

    /** Deletes the named objects of {@code container}; names that do not exist are ignored. */
    void delete(String container, List<String> names, String what) {
        for (int from = 0; from < names.size(); from += BATCH) {
            List<String> batch = names.subList(from, Math.min(names.size(), from + BATCH));
            String lines = batch.stream().map(n -> SwiftCalls.path(container, n)).collect(Collectors.joining("\n"));
            AtomicReference<Report> report = new AtomicReference<>();
            HttpResponse response = requests.send(what, calls -> calls.bulkDelete(lines), r -> outcome(r, report));
            SwiftRequests.close(response);
            int status = outcome(response, report);
            if (status == 404 && response.getStatus() == 404) {
                return; // no such account yet: nothing to delete
            }
            if (status / 100 != 2) {
                throw status == 403 || response.getStatus() / 100 != 2 ? failures.unexpected(what, status)
                        : new StorageException(Reason.IO, what + ": Swift could not delete some objects: "
                        + report.get().json().path("Errors"));
            }
        }
    }

    /**
     * The status that counts: the request's own when it failed, else the worst one of the report (401 first, so
     * that the token is renewed; then transient ones, so that the batch is retried), else the report's summary.
     */
    private static int outcome(HttpResponse response, AtomicReference<Report> report) {
        if (response.getStatus() / 100 != 2) {
            return response.getStatus();
        }
        if (report.get() == null || report.get().response() != response) {
            try (InputStream body = response.getInputStream()) {
                report.set(new Report(response, JSON.readTree(body)));
            } catch (IOException e) {
                throw new SwiftRetry.TransientFailure("bulk delete answer unreadable: "
                        + SwiftHttpConnector.describe(e));
            }
        }
        int retryable = 0;
        int other = 0;
        for (JsonNode error : report.get().json().path("Errors")) {
            int status = leadingCode(error.path(1).asText());
            if (status == 401) {
                return 401;
            } else if (SwiftRetry.isTransient(status)) {
                retryable = status;
            } else if (other == 0) {
                other = status;
            }
        }
        if (retryable != 0 || other != 0) {
            return retryable != 0 ? retryable : other;
        }
        return leadingCode(report.get().json().path("Response Status").asText("200"));
    }

    /** The parsed body of one answer (each retry gets its own). */
    private record Report(HttpResponse response, JsonNode json) {
    }

    /** "503 Service Unavailable" -> 503; anything unreadable counts as a server failure. */
    private static int leadingCode(String status) {
        try {
            return Integer.parseInt(status.trim().split(" ", 2)[0]);
        } catch (NumberFormatException e) {
            return 500;
        }
    }
}
