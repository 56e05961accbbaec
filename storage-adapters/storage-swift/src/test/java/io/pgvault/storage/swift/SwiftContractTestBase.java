package io.pgvault.storage.swift;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgvault.storage.ObjectInfo;
import io.pgvault.storage.ObjectWriter;
import io.pgvault.storage.Storage;
import io.pgvault.storage.StorageContractTest;
import io.pgvault.storage.Storages;
import io.pgvault.storage.WriteMode;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The storage contract against the real Swift, in a fresh container per class, plus what is specific to Swift's
 * static large objects: their segments never outlive the object (abandoned writes, deletes, overwrites).
 */
@Tag("integration")
abstract class SwiftContractTestBase extends StorageContractTest {

    private String container;
    private Storage segmentsView;

    /** The settings that log in with the auth system under test. */
    protected abstract Map<String, String> settings();

    @Override
    protected Storage openStorage() {
        SwiftTestServer.requireUp();
        container = SwiftTestServer.newContainer(getClass().getSimpleName().toLowerCase());
        Storage storage = SwiftTestServer.openWithContainers(container, settings());
        // the segments container seen as a repository of its own, to check what is left in it
        segmentsView = Storages.open("swift://" + container + "_segments", settings(), Map.of());
        return storage;
    }

    @Override
    protected int threePartSize() {
        return 3 * SwiftTestServer.SEGMENT_SIZE;
    }

    @AfterAll
    void closeSegmentsView() {
        if (segmentsView != null) {
            segmentsView.close();
        }
    }

    private List<String> segmentsUnder(String keyPrefix) {
        try (Stream<ObjectInfo> s = segmentsView.list(keyPrefix)) {
            return s.map(ObjectInfo::key).collect(Collectors.toList());
        }
    }

    @Test
    void abandonedLargeUploadLeavesNoSegments() throws IOException {
        try (ObjectWriter writer = storage.write(base + "slo/abandoned", WriteMode.OVERWRITE)) {
            writer.write(randomBytes(threePartSize() + 1000, 7));
            writer.flush();
        }
        assertThat(segmentsUnder(base)).isEmpty();
        assertThat(keys(base)).isEmpty();
    }

    @Test
    void largeObjectsAreSegmentedAndDeleteTakesTheSegments() {
        String key = base + "slo/big";
        put(key, randomBytes(threePartSize() + 5, 8), WriteMode.CREATE_NEW);
        assertThat(segmentsUnder(base + "slo/big/")).hasSize(4);
        assertThat(keys(base)).containsExactly(key);

        storage.delete(List.of(key));
        assertThat(keys(base)).isEmpty();
        assertThat(segmentsUnder(base)).isEmpty();
    }

    @Test
    void overwritingALargeObjectDropsTheOldSegments() {
        String key = base + "slo/replaced";
        put(key, randomBytes(threePartSize(), 9), WriteMode.OVERWRITE);
        put(key, randomBytes(2 * SwiftTestServer.SEGMENT_SIZE + 1, 10), WriteMode.OVERWRITE);
        assertThat(segmentsUnder(base)).hasSize(3);
        // a small version does not look for the large one's segments; deleting the key takes them
        put(key, new byte[] {1, 2, 3}, WriteMode.OVERWRITE);
        assertThat(get(key)).containsExactly(1, 2, 3);
        storage.delete(List.of(key));
        assertThat(segmentsUnder(base)).isEmpty();
    }

    @Test
    void createNewOfALargeObjectRefusesAnExistingKeyAndCleansUp() {
        String key = base + "slo/once";
        put(key, new byte[] {1}, WriteMode.CREATE_NEW);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> put(key, randomBytes(threePartSize(), 11), WriteMode.CREATE_NEW))
                .isInstanceOf(io.pgvault.storage.ObjectExistsException.class);
        assertThat(segmentsUnder(base)).isEmpty();
        assertThat(get(key)).containsExactly(1);
    }
}
