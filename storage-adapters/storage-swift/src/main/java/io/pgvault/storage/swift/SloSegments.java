package io.pgvault.storage.swift;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgvault.storage.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;
import org.openstack4j.core.transport.HttpResponse;

/**
 * The segments of static large objects, kept in their own container ({@link SwiftStorageConfig#segmentsContainer()})
 * so that listings of the repository never see them. The segments of object {@code N} are named
 * {@code N/<upload id>/<8-digit index>}: every name in that container is a segment, so the object owning one is its
 * name less the last two parts, which lets a delete find the segments of the objects it removes with one listing
 * per batch instead of one request per object.
 */
final class SloSegments {

    private static final System.Logger LOG = System.getLogger(SloSegments.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    /** At most this many listings per deleted batch; beyond, one listing under the common prefix. */
    private static final int MAX_SWEEPS = 16;

    private final SwiftStorageConfig config;
    private final SwiftRequests requests;
    private final SwiftFailures failures;
    private final BulkDelete bulk;

    SloSegments(SwiftStorageConfig config, SwiftRequests requests, SwiftFailures failures, BulkDelete bulk) {
        this.config = config;
        this.requests = requests;
        this.failures = failures;
        this.bulk = bulk;
    }

    String container() {
        return config.segmentsContainer();
    }

    /** A new upload's id: time first, so an operator can tell old leftovers, then randomness against collisions. */
    static String newUploadId() {
        return Long.toString(System.currentTimeMillis(), 36) + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static String segmentName(String objectName, String uploadId, int index) {
        return objectName + "/" + uploadId + "/" + String.format("%08d", index);
    }

    /** The object a segment belongs to. */
    static String owner(String segmentName) {
        int last = segmentName.lastIndexOf('/');
        int upload = last <= 0 ? -1 : segmentName.lastIndexOf('/', last - 1);
        return upload <= 0 ? "" : segmentName.substring(0, upload);
    }

    /**
     * The segments the current version of an object refers to, if it is a static large object; read before an
     * overwrite so that they can be deleted once the new version is in place.
     */
    List<String> referencedBy(String objectName, String what) {
        HttpResponse head = requests.send(what, calls -> calls.headObject(config.container(), objectName));
        SwiftRequests.close(head);
        if (head.getStatus() == 404) {
            return List.of();
        }
        if (head.getStatus() / 100 != 2) {
            throw failures.unexpected(what, head.getStatus());
        }
        if (!"true".equalsIgnoreCase(head.header("X-Static-Large-Object"))) {
            return List.of();
        }
        HttpResponse manifest = requests.send(what, calls -> calls.getManifest(config.container(), objectName));
        try (InputStream body = manifest.getInputStream()) {
            if (manifest.getStatus() / 100 != 2) {
                return List.of(); // replaced or deleted meanwhile: nothing of ours to clean
            }
            String ours = "/" + container() + "/";
            List<String> names = new ArrayList<>();
            for (JsonNode segment : JSON.readTree(body)) {
                String path = segment.path("path").asText();
                if (path.startsWith(ours)) {
                    names.add(path.substring(ours.length()));
                }
            }
            return names;
        } catch (IOException e) {
            throw new StorageException(StorageException.Reason.IO, what + ": cannot read the manifest: "
                    + SwiftHttpConnector.describe(e), e);
        } finally {
            SwiftRequests.close(manifest);
        }
    }

    /**
     * Deletes the segments of the given objects (which the caller has just deleted): the segments container is listed
     * under the objects' common prefixes ({@link #sweepPrefixes}), and whatever belongs to one of them goes,
     * including leftovers of uploads that crashed. An upload of one of these objects running at the same time would
     * lose its segments and fail to commit; pgvault never deletes an object while writing it.
     */
    void deleteOwnedBy(Collection<String> objectNames, String what) {
        if (objectNames.isEmpty()) {
            return;
        }
        Set<String> owners = new HashSet<>(objectNames);
        List<String> doomed = new ArrayList<>();
        try {
            for (String prefix : sweepPrefixes(objectNames)) {
                SwiftListing.stream(requests, container(), prefix, failures).map(SwiftListing.Entry::name)
                        .filter(n -> owners.contains(owner(n))).forEach(doomed::add);
            }
        } catch (StorageException e) {
            if (e.reason() == StorageException.Reason.CONFIGURATION) {
                return; // no segments container, so no segments
            }
            throw e;
        }
        bulk.delete(container(), doomed, what);
    }

    /** Removes segments no object needs any more; a failure leaves garbage, not damage, so it is only logged. */
    void deleteQuietly(List<String> segmentNames, String what) {
        if (segmentNames.isEmpty()) {
            return;
        }
        try {
            bulk.delete(container(), segmentNames, what);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, what + ": could not delete " + segmentNames.size()
                    + " segments from container " + container() + " (" + e.getMessage() + "); they are unused and "
                    + "are removed when the object is deleted");
        }
    }

    /**
     * Where to look for the segments of {@code names}: their longest common prefix, or, when they all lie in a few
     * subdirectories of their common directory (WAL and a backup deleted together), the longest common prefix of
     * each, so that the listing does not walk the segments of everything under their common parent.
     */
    static List<String> sweepPrefixes(Collection<String> names) {
        String common = commonPrefix(names);
        int directory = common.lastIndexOf('/') + 1;
        Map<String, List<String>> groups = names.stream().collect(Collectors.groupingBy(n -> {
            int slash = n.indexOf('/', directory);
            return slash < 0 ? "" : n.substring(0, slash + 1);
        }, TreeMap::new, Collectors.toList()));
        if (groups.size() == 1 || groups.size() > MAX_SWEEPS || groups.containsKey("")) {
            return List.of(common); // one place, too many places, or objects right in the common directory
        }
        return groups.values().stream().map(SloSegments::commonPrefix).collect(Collectors.toList());
    }

    static String commonPrefix(Collection<String> names) {
        String first = null;
        String last = null;
        for (String name : names) {
            first = first == null || name.compareTo(first) < 0 ? name : first;
            last = last == null || name.compareTo(last) > 0 ? name : last;
        }
        int n = 0;
        while (n < first.length() && n < last.length() && first.charAt(n) == last.charAt(n)) {
            n++;
        }
        if (n > 0 && Character.isHighSurrogate(first.charAt(n - 1))) {
            n--; // never cut a character in two
        }
        return first.substring(0, n);
    }
}
