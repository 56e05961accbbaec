package io.pgvault.storage.swift;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.openstack4j.api.exceptions.ConnectionException;
import org.openstack4j.core.transport.ClientConstants;
import org.openstack4j.core.transport.HttpExecutorService;
import org.openstack4j.core.transport.HttpRequest;
import org.openstack4j.core.transport.HttpResponse;
import org.openstack4j.core.transport.ObjectMapperSingleton;

/**
 * OpenStack4j's transport, on the JDK's HTTP client: registered through OpenStack4j's connector SPI
 * ({@code META-INF/services/org.openstack4j.core.transport.HttpExecutorService}) in place of the stock RESTEasy
 * connector, which builds a new HTTP client and connection pool for every request, copies request bodies over 1 MB to
 * temporary files and never applies the read timeout. Here connections are pooled and reused across requests and
 * threads, bodies stream from memory, and {@link org.openstack4j.core.transport.Config#getReadTimeout()} bounds the
 * wait for an answer.
 *
 * <p>Unlike the stock connectors it never re-authenticates by itself on 401: the adapter does that once for all
 * threads ({@link SwiftSession}). A {@code Content-Length} header on a request gives the length of its stream body
 * (the JDK client computes that header itself and refuses it from callers).
 */
public final class SwiftHttpConnector implements HttpExecutorService {

    /** Headers the JDK client sets itself; OpenStack4j's auth marker is for connectors, not for servers. */
    private static final Set<String> NOT_FORWARDED = Set.of("content-length", "host", "connection", "expect",
            "upgrade", ClientConstants.HEADER_OS4J_AUTH.toLowerCase(Locale.ROOT));

    /** One client (and connection pool) per connect timeout; in practice one for the whole process. */
    private static final Map<Integer, HttpClient> CLIENTS = new ConcurrentHashMap<>();

    @Override
    public <R> HttpResponse execute(HttpRequest<R> request) {
        java.net.http.HttpRequest.Builder builder = java.net.http.HttpRequest.newBuilder(URI.create(request.getUrl()));
        int readTimeout = request.getConfig().getReadTimeout();
        if (readTimeout > 0) {
            builder.timeout(Duration.ofMillis(readTimeout));
        }
        long length = -1;
        for (Map.Entry<String, Object> header : request.getHeaders().entrySet()) {
            String name = header.getKey().toLowerCase(Locale.ROOT);
            if (name.equals("content-length")) {
                length = Long.parseLong(String.valueOf(header.getValue()));
            } else if (!NOT_FORWARDED.contains(name) && header.getValue() != null) {
                builder.header(header.getKey(), String.valueOf(header.getValue()));
            }
        }
        BodyPublisher body = body(request, length);
        if (body != null && request.getContentType() != null) {
            builder.header(ClientConstants.HEADER_CONTENT_TYPE, request.getContentType());
        }
        builder.method(request.getMethod().name(), body == null ? BodyPublishers.noBody() : body);
        try {
            return new SwiftHttpResponse(client(request.getConfig().getConnectTimeout())
                    .send(builder.build(), BodyHandlers.ofInputStream()));
        } catch (IOException e) {
            throw new ConnectionException(describe(e), 0, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectionException("interrupted", 0, e);
        }
    }

    private static BodyPublisher body(HttpRequest<?> request, long length) {
        Object entity = request.getEntity();
        if (entity instanceof InputStream) {
            InputStream in = (InputStream) entity;
            if (length == 0) {
                return BodyPublishers.noBody();
            }
            BodyPublisher stream = BodyPublishers.ofInputStream(() -> in);
            return length > 0 ? BodyPublishers.fromPublisher(stream, length) : stream;
        }
        if (entity != null) {
            try {
                // OpenStack4j's model objects (the Keystone auth request), with its own Jackson set-up
                return BodyPublishers.ofByteArray(ObjectMapperSingleton.getContext(entity.getClass()).writer()
                        .writeValueAsBytes(entity));
            } catch (IOException e) {
                throw new ConnectionException("cannot encode the request: " + e.getMessage(), 0, e);
            }
        }
        return request.hasJson() ? BodyPublishers.ofString(request.getJson()) : null;
    }

    private static HttpClient client(int connectTimeoutMillis) {
        return CLIENTS.computeIfAbsent(connectTimeoutMillis, ms -> HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofMillis(ms > 0 ? ms : 30_000))
                .build());
    }

    /** The exception's class says more than its message, which is often null (a reset, a timeout). */
    static String describe(Throwable e) {
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    @Override
    public String getExecutorDisplayName() {
        return "pgvault JDK HttpClient connector";
    }
}
