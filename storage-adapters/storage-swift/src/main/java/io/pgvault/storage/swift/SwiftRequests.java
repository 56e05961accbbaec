package io.pgvault.storage.swift;

import io.pgvault.storage.StorageException;
import io.pgvault.storage.StorageException.Reason;
import io.pgvault.storage.swift.SwiftLogin.SwiftToken;
import java.io.IOException;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import org.openstack4j.api.exceptions.ConnectionException;
import org.openstack4j.core.transport.HttpResponse;

/**
 * Sends one Swift request until it gets a final answer: binds the session on the calling thread, renews the token
 * once when Swift answers 401 (an expired or revoked token), and retries transient failures through
 * {@link SwiftRetry}. What it returns is any other answer - success, 404, 412... - for the caller to interpret.
 */
final class SwiftRequests {

    private final SwiftSession session;
    private final SwiftRetry retry;
    private final SwiftCalls calls = new SwiftCalls();
    private final String who;

    SwiftRequests(SwiftSession session, SwiftRetry retry, SwiftCredentials credentials) {
        this.session = session;
        this.retry = retry;
        this.who = credentials.describe();
    }

    /**
     * Sends {@code request} (which must build its body afresh on each call) until it is answered.
     *
     * @param what what the request does, for messages, e.g. "read of wal/000000010000000000000001"
     * @return the response, to be closed by the caller; never a 401 or a transient status
     * @throws StorageException UNAVAILABLE when transient failures outlast the retries, ACCESS_DENIED when even a
     *                          fresh token is refused
     */
    HttpResponse send(String what, Function<SwiftCalls, HttpResponse> request) {
        return send(what, request, HttpResponse::getStatus);
    }

    /**
     * Like {@link #send(String, Function)} for requests whose real outcome is in the body (the bulk middleware
     * answers 200 and reports per object): {@code status} reads it and says which status counts.
     */
    HttpResponse send(String what, Function<SwiftCalls, HttpResponse> request, ToIntFunction<HttpResponse> status) {
        return retry.untilAnswered(what, () -> {
            SwiftToken token = session.bind();
            HttpResponse response = execute(request);
            int outcome = status.applyAsInt(response);
            if (outcome == 401) {
                close(response);
                session.renew(token);
                session.bind();
                response = execute(request);
                outcome = status.applyAsInt(response);
                if (outcome == 401) {
                    close(response);
                    throw new StorageException(Reason.ACCESS_DENIED, what + ": Swift refuses even a fresh token of "
                            + who + " (HTTP 401)");
                }
            }
            if (SwiftRetry.isTransient(outcome)) {
                close(response);
                throw new SwiftRetry.TransientFailure("HTTP " + outcome + " from " + session.storageUrl());
            }
            return response;
        });
    }

    /** Sends, expecting a 2xx answer of no interest; other statuses become the failure {@code failure} builds. */
    void sendExpectingSuccess(String what, Function<SwiftCalls, HttpResponse> request,
                              Function<Integer, StorageException> failure) {
        HttpResponse response = send(what, request);
        close(response);
        if (response.getStatus() / 100 != 2) {
            throw failure.apply(response.getStatus());
        }
    }

    /** The storage URL in use, for messages (logs in if that has not happened yet). */
    String storageUrl() {
        return session.storageUrl();
    }

    private HttpResponse execute(Function<SwiftCalls, HttpResponse> request) {
        try {
            return request.apply(calls);
        } catch (ConnectionException e) {
            throw new SwiftRetry.TransientFailure(e.getMessage());
        }
    }

    static void close(HttpResponse response) {
        try {
            response.close();
        } catch (IOException e) {
            // the answer was read or is not wanted; a broken connection is dropped from the pool either way
        }
    }
}
