package io.pgvault.storage.swift;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgvault.storage.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.openstack4j.core.transport.HttpResponse;

/**
 * A lazy walk over the names in a container that start with a prefix, in Swift's order (ascending by UTF-8 bytes),
 * one request per page of {@link #PAGE} names: the next page is asked for, after the last name seen, only when the
 * caller has consumed the current one.
 */
final class SwiftListing implements Iterator<SwiftListing.Entry> {

    /** One object of a listing; a static large object's size is its whole size. */
    record Entry(String name, long bytes, Instant lastModified) {
    }

    static final int PAGE = 1000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SwiftRequests requests;
    private final String container;
    private final String prefix;
    private final SwiftFailures failures;
    private final Deque<Entry> page = new ArrayDeque<>();
    private String marker;
    private boolean exhausted;

    private SwiftListing(SwiftRequests requests, String container, String prefix, SwiftFailures failures) {
        this.requests = requests;
        this.container = container;
        this.prefix = prefix;
        this.failures = failures;
    }

    /** The names in {@code container} starting with {@code prefix}, fetched page by page as the stream is read. */
    static Stream<Entry> stream(SwiftRequests requests, String container, String prefix, SwiftFailures failures) {
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(
                new SwiftListing(requests, container, prefix, failures),
                Spliterator.ORDERED | Spliterator.NONNULL | Spliterator.DISTINCT), false);
    }

    @Override
    public boolean hasNext() {
        if (page.isEmpty() && !exhausted) {
            fetch();
        }
        return !page.isEmpty();
    }

    @Override
    public Entry next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return page.removeFirst();
    }

    private void fetch() {
        String what = "listing of '" + prefix + "' in container " + container;
        HttpResponse response = requests.send(what, calls -> calls.listObjects(container, prefix, marker, PAGE));
        try (InputStream body = response.getInputStream()) {
            int status = response.getStatus();
            if (status == 404) {
                throw failures.missingContainer(container);
            }
            if (status / 100 != 2) {
                throw failures.unexpected(what, status);
            }
            JsonNode names = status == 204 ? JSON.createArrayNode() : JSON.readTree(body);
            for (JsonNode item : names) {
                page.add(new Entry(item.path("name").asText(), item.path("bytes").asLong(),
                        timestamp(item.path("last_modified").asText())));
            }
            exhausted = names.size() < PAGE;
            if (!page.isEmpty()) {
                marker = page.getLast().name();
            }
        } catch (IOException e) {
            throw new StorageException(StorageException.Reason.IO, what + ": cannot read the answer: "
                    + SwiftHttpConnector.describe(e), e);
        } finally {
            SwiftRequests.close(response);
        }
    }

    /** Listings give UTC times without a zone, e.g. 2024-05-10T10:05:01.123456. */
    private static Instant timestamp(String value) {
        return value.isEmpty() ? Instant.EPOCH : LocalDateTime.parse(value).toInstant(ZoneOffset.UTC);
    }
}
