package io.pgvault.storage.swift;

import io.pgvault.storage.ObjectExistsException;
import io.pgvault.storage.ObjectInfo;
import io.pgvault.storage.ObjectNotFoundException;
import io.pgvault.storage.StorageException;
import io.pgvault.storage.StorageException.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import org.openstack4j.core.transport.HttpResponse;

/**
 * The requests about single objects - stat, read, the PUTs of an upload - and what their answers mean. Keys are what
 * callers know and messages name; names are the keys with the repository prefix, as stored in the container.
 */
final class SwiftObjects {

    private final SwiftStorageConfig config;
    private final SwiftRequests requests;
    private final SwiftFailures failures;
    private final SloSegments segments;
    private final ExecutorService uploads;
    private final StallWatchdog watchdog;
    private volatile boolean containerSeen;

    SwiftObjects(SwiftStorageConfig config, SwiftRequests requests, SwiftFailures failures, SloSegments segments,
                 ExecutorService uploads, StallWatchdog watchdog) {
        this.config = config;
        this.requests = requests;
        this.failures = failures;
        this.segments = segments;
        this.uploads = uploads;
        this.watchdog = watchdog;
    }

    SwiftStorageConfig config() {
        return config;
    }

    ExecutorService uploads() {
        return uploads;
    }

    String segmentsContainer() {
        return segments.container();
    }

    Optional<ObjectInfo> stat(String key, String name) {
        String what = "stat of " + key;
        HttpResponse response = requests.send(what, calls -> calls.headObject(config.container(), name));
        SwiftRequests.close(response);
        if (response.getStatus() == 404) {
            requireContainer();
            return Optional.empty();
        }
        if (response.getStatus() / 100 != 2) {
            throw failures.unexpected(what, response.getStatus());
        }
        return Optional.of(new ObjectInfo(key, Long.parseLong(response.header("Content-Length")),
                timestamp(response)));
    }

    /** Opens {@code length} bytes from {@code offset}; Swift's 416 (range past the end) is an empty read. */
    InputStream read(String key, String name, long offset, long length) {
        if (length == 0) {
            stat(key, name).orElseThrow(() -> new ObjectNotFoundException(key));
            return InputStream.nullInputStream();
        }
        SwiftReadStream.Opener opener = (position, end) -> {
            String range = position == 0 && end == Long.MAX_VALUE ? null
                    : "bytes=" + position + "-" + (end == Long.MAX_VALUE ? "" : Long.toString(end - 1));
            return requests.send("read of " + key, calls -> calls.getObject(config.container(), name, range));
        };
        long end = length > Long.MAX_VALUE - offset ? Long.MAX_VALUE : offset + length;
        HttpResponse first = opener.open(offset, end);
        int status = first.getStatus();
        if (status == 200 || status == 206) {
            return new SwiftReadStream(key, first, opener, offset, end, config.maxRetries(), watchdog);
        }
        SwiftRequests.close(first);
        if (status == 416) {
            return InputStream.nullInputStream();
        }
        if (status == 404) {
            requireContainer();
            throw new ObjectNotFoundException(key);
        }
        throw failures.unexpected("read of " + key, status);
    }

    /** Uploads one segment of a static large object; runs on an upload thread. */
    void putSegment(String segmentName, byte[] data, int length, String etag, String key) {
        String what = "upload of a segment of " + key;
        Map<String, String> headers = Map.of("ETag", etag);
        HttpResponse response = requests.send(what, calls -> calls.putObject(segments.container(), segmentName,
                data, length, headers, false));
        SwiftRequests.close(response);
        if (response.getStatus() == 404) {
            throw failures.missingContainer(segments.container());
        }
        if (response.getStatus() / 100 != 2) {
            throw failures.unexpected(what, response.getStatus());
        }
    }

    /**
     * The PUT that makes an object visible: its whole body, or a static large object's manifest.
     *
     * @param expectedEtag the ETag the object will have, to recognise our own object when a retried create-new
     *                     PUT finds the key taken (the first attempt may have succeeded before its answer was lost)
     * @return when the object was committed
     */
    Instant putFinal(String name, byte[] body, int length, Map<String, String> headers, boolean manifest, String key,
                     String expectedEtag) {
        String what = "write of " + key;
        int[] attempts = {0};
        HttpResponse response = requests.send(what, calls -> {
            attempts[0]++;
            return calls.putObject(config.container(), name, body, length, headers, manifest);
        });
        String answer = manifest && response.getStatus() == 400 ? shortBody(response) : "";
        SwiftRequests.close(response);
        int status = response.getStatus();
        if (status / 100 == 2) {
            return timestamp(response);
        }
        if (status == 412 && headers.containsKey("If-None-Match")) {
            if (attempts[0] > 1) {
                Optional<Instant> ours = sameObject(name, expectedEtag);
                if (ours.isPresent()) {
                    return ours.get();
                }
            }
            throw new ObjectExistsException(key);
        }
        if (status == 404) {
            throw failures.missingContainer(config.container());
        }
        if (status == 422) {
            throw new StorageException(Reason.IO, what + ": Swift received other bytes than were sent (checksum "
                    + "mismatch, HTTP 422); check the network path to " + requests.storageUrl());
        }
        if (status == 400 && manifest) {
            throw new StorageException(Reason.IO, what + ": Swift refused the large object's manifest: " + answer);
        }
        throw failures.unexpected(what, status);
    }

    /** The commit time of the object at {@code name} when its ETag is {@code etag}. */
    private Optional<Instant> sameObject(String name, String etag) {
        HttpResponse head = requests.send("check of " + name, calls -> calls.headObject(config.container(), name));
        SwiftRequests.close(head);
        String found = head.header("ETag");
        return head.getStatus() / 100 == 2 && found != null && found.replace("\"", "").equals(etag)
                ? Optional.of(timestamp(head)) : Optional.empty();
    }

    List<String> segmentsOf(String name, String key) {
        return segments.referencedBy(name, "write of " + key);
    }

    void dropSegments(List<String> segmentNames, String key) {
        segments.deleteQuietly(segmentNames, "clean-up of the segments of " + key);
    }

    /**
     * A 404 on an object also means "no such container"; once per adapter the container is looked at, so that a
     * repository that was never initialised says so instead of looking empty.
     */
    void requireContainer() {
        if (containerSeen) {
            return;
        }
        String what = "check of container " + config.container();
        HttpResponse response = requests.send(what, calls -> calls.headContainer(config.container()));
        SwiftRequests.close(response);
        if (response.getStatus() == 404) {
            throw failures.missingContainer(config.container());
        }
        if (response.getStatus() / 100 != 2) {
            throw failures.unexpected(what, response.getStatus());
        }
        containerSeen = true;
    }

    /** X-Timestamp (seconds, to 10 microseconds: what listings show) if Swift sends it, else Last-Modified. */
    private static Instant timestamp(HttpResponse response) {
        String precise = response.header("X-Timestamp");
        try {
            if (precise != null) {
                BigDecimal seconds = new BigDecimal(precise);
                return Instant.ofEpochSecond(seconds.longValue(),
                        seconds.remainder(BigDecimal.ONE).movePointRight(9).longValue());
            }
            String modified = response.header("Last-Modified");
            if (modified != null) {
                return ZonedDateTime.parse(modified, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            }
        } catch (NumberFormatException | DateTimeParseException e) {
            // a server that sends neither header properly: the local clock is close enough
        }
        return Instant.now();
    }

    private static String shortBody(HttpResponse response) {
        try (InputStream in = response.getInputStream()) {
            String text = new String(in.readNBytes(300), StandardCharsets.UTF_8).replaceAll("\\s+", " ").trim();
            return text.isEmpty() ? "HTTP 400" : text;
        } catch (IOException e) {
            return "HTTP 400";
        }
    }
}
