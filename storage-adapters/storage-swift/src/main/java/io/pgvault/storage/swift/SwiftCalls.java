package io.pgvault.storage.swift;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.openstack4j.core.transport.ClientConstants;
import org.openstack4j.core.transport.HttpResponse;
import org.openstack4j.model.common.Payloads;
import org.openstack4j.openstack.storage.object.internal.BaseObjectStorageService;

/**
 * The Swift requests the adapter sends, built on OpenStack4j's object-storage service base in the calling thread's
 * session ({@link SwiftSession#bind()}). OpenStack4j's own object service answers some failures with null or an
 * empty list (a PUT's ETag, a missing container's listing); these calls return the whole response instead, so the
 * caller decides on the status. The caller closes every response.
 *
 * <p>Names are percent-encoded here: OpenStack4j only escapes spaces, and keys may hold '?', '#' or '%'.
 */
final class SwiftCalls extends BaseObjectStorageService {

    HttpResponse headObject(String container, String name) {
        return head(Void.class, path(container, name)).executeWithResponse();
    }

    /** A GET, whole ({@code range} null) or of a byte range such as {@code bytes=10-19}. */
    HttpResponse getObject(String container, String name, String range) {
        Invocation<Void> get = get(Void.class, path(container, name));
        if (range != null) {
            get.header("Range", range);
        }
        return get.executeWithResponse();
    }

    /** The manifest of a static large object as it was uploaded: its segments' paths, etags and sizes. */
    HttpResponse getManifest(String container, String name) {
        return get(Void.class, path(container, name)).param("multipart-manifest", "get").param("format", "raw")
                .executeWithResponse();
    }

    /**
     * Uploads {@code length} bytes of {@code data} as application/octet-stream; {@code manifest} makes them a static
     * large object's manifest (the object then gets that content type). The body is a fresh stream over the array
     * each time, so a retry sends it again.
     */
    HttpResponse putObject(String container, String name, byte[] data, int length, Map<String, String> headers,
                           boolean manifest) {
        Invocation<Void> put = put(Void.class, path(container, name))
                .entity(Payloads.create(new ByteArrayInputStream(data, 0, length)))
                .header("Content-Length", length)
                .headers(headers);
        if (manifest) {
            put.param("multipart-manifest", "put");
        }
        return put.executeWithResponse();
    }

    /** One page of a container listing, as JSON, of names after {@code marker} (exclusive) starting with prefix. */
    HttpResponse listObjects(String container, String prefix, String marker, int limit) {
        Invocation<Void> list = get(Void.class, "/" + encode(container, false)).param("format", "json")
                .param("limit", limit);
        if (!prefix.isEmpty()) {
            list.param("prefix", prefix);
        }
        if (marker != null) {
            list.param("marker", marker);
        }
        return list.executeWithResponse();
    }

    HttpResponse headContainer(String container) {
        return head(Void.class, "/" + encode(container, false)).executeWithResponse();
    }

    HttpResponse createContainer(String container, String storagePolicy) {
        Invocation<Void> put = put(Void.class, "/" + encode(container, false)).header("Content-Length", 0);
        if (storagePolicy != null) {
            put.header("X-Storage-Policy", storagePolicy);
        }
        return put.executeWithResponse();
    }

    /**
     * The bulk middleware's delete: one request for many objects, given as lines of {@code /container/name}. The
     * answer is 200 whatever happened to each object; its JSON body tells ({@link BulkDelete}).
     */
    HttpResponse bulkDelete(String lines) {
        byte[] body = lines.getBytes(StandardCharsets.UTF_8);
        return post(Void.class, "").param("bulk-delete", "")
                .entity(Payloads.create(new ByteArrayInputStream(body)))
                .contentType(ClientConstants.CONTENT_TYPE_TEXT)
                .header("Content-Length", body.length)
                .header("Accept", ClientConstants.CONTENT_TYPE_JSON)
                .executeWithResponse();
    }

    /** {@code /container/name}, percent-encoded, as requests and bulk-delete lines want it. */
    static String path(String container, String name) {
        return "/" + encode(container, false) + "/" + encode(name, true);
    }

    /** Percent-encodes UTF-8 bytes except RFC 3986's unreserved characters (and '/' in object names). */
    static String encode(String value, boolean keepSlash) {
        StringBuilder out = new StringBuilder(value.length() + 16);
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                    || c == '_' || c == '~' || (keepSlash && c == '/')) {
                out.append(c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit((c >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }
}
