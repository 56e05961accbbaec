package io.pgvault.storage.swift;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import org.openstack4j.api.exceptions.ClientResponseException;
import org.openstack4j.core.transport.ClientConstants;
import org.openstack4j.core.transport.ExecutionOptions;
import org.openstack4j.core.transport.HttpEntityHandler;
import org.openstack4j.core.transport.HttpResponse;
import org.openstack4j.core.transport.ObjectMapperSingleton;

/**
 * An OpenStack4j response over a JDK one. The body streams; {@link #close()} reads what is left of a short body (an
 * error page) so that the connection goes back to the pool, and drops the connection rather than read on when more
 * is left (a read of a huge object abandoned early must not download it whole).
 */
final class SwiftHttpResponse implements HttpResponse {

    private static final int DRAIN_LIMIT = 64 << 10;

    private final java.net.http.HttpResponse<InputStream> response;

    SwiftHttpResponse(java.net.http.HttpResponse<InputStream> response) {
        this.response = response;
    }

    @Override
    public <T> T getEntity(Class<T> returnType) {
        return getEntity(returnType, null);
    }

    @Override
    public <T> T getEntity(Class<T> returnType, ExecutionOptions<T> options) {
        return HttpEntityHandler.handle(this, returnType, options, true);
    }

    @Override
    public <T> T readEntity(Class<T> typeToReadAs) {
        try (InputStream in = response.body()) {
            byte[] body = in.readAllBytes();
            if (typeToReadAs == String.class) {
                return typeToReadAs.cast(new String(body, StandardCharsets.UTF_8));
            }
            return ObjectMapperSingleton.getContext(typeToReadAs).readerFor(typeToReadAs).readValue(body);
        } catch (IOException e) {
            throw new ClientResponseException("cannot read the response: " + SwiftHttpConnector.describe(e),
                    response.statusCode(), e);
        }
    }

    @Override
    public int getStatus() {
        return response.statusCode();
    }

    @Override
    public String getContentType() {
        return header(ClientConstants.HEADER_CONTENT_TYPE);
    }

    /** The JDK client does not keep the reason phrase; the code says the same. */
    @Override
    public String getStatusMessage() {
        return "HTTP " + response.statusCode();
    }

    @Override
    public InputStream getInputStream() {
        return response.body();
    }

    @Override
    public String header(String name) {
        return response.headers().firstValue(name).orElse(null);
    }

    /** Case-insensitive, as HTTP header names are (OpenStack4j looks some up with containsKey). */
    @Override
    public Map<String, String> headers() {
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        response.headers().map().forEach((name, values) -> headers.put(name, values.isEmpty() ? "" : values.get(0)));
        return headers;
    }

    @Override
    public void close() throws IOException {
        try (InputStream in = response.body()) {
            byte[] skip = new byte[8192];
            for (int drained = 0; drained < DRAIN_LIMIT; ) {
                int n = in.read(skip);
                if (n < 0) {
                    break;
                }
                drained += n;
            }
        }
    }
}
