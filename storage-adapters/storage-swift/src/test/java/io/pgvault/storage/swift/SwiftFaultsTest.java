package io.pgvault.storage.swift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgvault.storage.ObjectInfo;
import io.pgvault.storage.ObjectWriter;
import io.pgvault.storage.Storage;
import io.pgvault.storage.StorageException;
import io.pgvault.storage.StorageException.Reason;
import io.pgvault.storage.Storages;
import io.pgvault.storage.WriteMode;
import io.pgvault.storage.swift.FaultProxy.Fault;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Transient failures, retried; final ones, not. Requests go through {@link FaultProxy}: tempauth, asked through the
 * proxy, hands out a storage URL on the proxy's port, so every request of the adapter passes there.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SwiftFaultsTest {

    private static final int MAX_RETRIES = 3;

    private FaultProxy proxy;
    private String container;
    private Storage storage;

    @BeforeAll
    void start() throws IOException {
        SwiftTestServer.requireUp();
        URI swift = URI.create(SwiftTestServer.TEMPAUTH_URL);
        proxy = new FaultProxy(swift.getPort());
        container = SwiftTestServer.newContainer("faults");
        storage = SwiftTestServer.openWithContainers(container, settings(SwiftTestServer.TEMPAUTH_KEY));
    }

    @AfterAll
    void stop() throws IOException {
        storage.close();
        proxy.close();
    }

    private Map<String, String> settings(String key) {
        URI swift = URI.create(SwiftTestServer.TEMPAUTH_URL);
        Map<String, String> settings = new HashMap<>(SwiftTestServer.tempauth(
                "http://127.0.0.1:" + proxy.port() + swift.getPath()));
        settings.put("swift-key", key);
        settings.put("swift-max-retries", Integer.toString(MAX_RETRIES));
        settings.put("swift-request-timeout", "10");
        return settings;
    }

    private static byte[] data(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private void put(String key, byte[] data) throws IOException {
        try (ObjectWriter writer = storage.write(key, WriteMode.OVERWRITE)) {
            writer.write(data);
            writer.commit();
        }
    }

    private byte[] get(String key) throws IOException {
        try (InputStream in = storage.read(key)) {
            return in.readAllBytes();
        }
    }

    private List<String> keys(String prefix) {
        try (Stream<ObjectInfo> s = storage.list(prefix)) {
            return s.map(ObjectInfo::key).collect(Collectors.toList());
        }
    }

    @Test
    void transientFailuresAreRetried() throws IOException {
        byte[] small = data(1000, 1);
        byte[] large = data(3 * SwiftTestServer.SEGMENT_SIZE + 10, 2);
        proxy.failNext(2, Fault.UNAVAILABLE);
        put("retried/small", small);
        proxy.failNext(MAX_RETRIES, Fault.RESET);
        put("retried/large", large);
        proxy.failNext(1, Fault.UNAVAILABLE);
        proxy.failNext(1, Fault.RESET);
        assertThat(get("retried/small")).isEqualTo(small);
        proxy.failNext(MAX_RETRIES, Fault.UNAVAILABLE);
        assertThat(keys("retried/")).containsExactly("retried/large", "retried/small");
        proxy.failNext(2, Fault.RESET);
        storage.delete(List.of("retried/small", "retried/large"));
        assertThat(keys("retried/")).isEmpty();
    }

    @Test
    void aReadCutShortResumesWhereItBroke() throws IOException {
        byte[] large = data(3 * SwiftTestServer.SEGMENT_SIZE + 10, 3);
        put("resumed/large", large);
        int spoiled = proxy.spoiled().size();
        proxy.failNext(1, Fault.CUT);
        assertThat(get("resumed/large")).isEqualTo(large);
        assertThat(proxy.spoiled()).hasSize(spoiled + 1);
    }

    @Test
    void aStalledReadIsEndedAndResumed() throws IOException {
        byte[] large = data(3 * SwiftTestServer.SEGMENT_SIZE + 10, 6);
        put("stalled/large", large);
        Map<String, String> impatient = settings(SwiftTestServer.TEMPAUTH_KEY);
        impatient.put("swift-request-timeout", "2");
        try (Storage reader = Storages.open("swift://" + container, impatient, Map.of())) {
            assertThat(reader.stat("stalled/large")).isPresent(); // logged in before the fault is planned
            int spoiled = proxy.spoiled().size();
            proxy.failNext(1, Fault.STALL);
            long start = System.nanoTime();
            try (InputStream in = reader.read("stalled/large")) {
                assertThat(in.readAllBytes()).isEqualTo(large);
            }
            assertThat(System.nanoTime() - start).isGreaterThan(2_000_000_000L);
            assertThat(proxy.spoiled()).hasSize(spoiled + 1);
        }
    }

    @Test
    void persistentFailuresGiveUpNamingTheObjectAndLeaveNothing() throws IOException {
        int before = proxy.requests().size();
        proxy.failAll(Fault.UNAVAILABLE);
        try {
            assertThatThrownBy(() -> put("doomed/small", data(100, 4)))
                    .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.reason())
                            .isEqualTo(Reason.UNAVAILABLE))
                    .hasMessageContaining("doomed/small").hasMessageContaining("HTTP 503")
                    .hasMessageContaining("swift-max-retries=" + MAX_RETRIES);
            assertThat(proxy.requests().size() - before).isEqualTo(1 + MAX_RETRIES);
        } finally {
            proxy.heal();
        }
        assertThat(storage.stat("doomed/small")).isEmpty();

        // a large object whose segments went up before the server vanished: never visible; its segments are
        // unreachable for the clean-up, and a delete of the key sweeps them
        ObjectWriter writer = storage.write("doomed/large", WriteMode.OVERWRITE);
        writer.write(data(3 * SwiftTestServer.SEGMENT_SIZE + 10, 5));
        proxy.failAll(Fault.RESET);
        try {
            assertThatThrownBy(writer::commit).isInstanceOfSatisfying(StorageException.class,
                    e -> assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE)).hasMessageContaining("doomed/large");
        } finally {
            proxy.heal();
        }
        assertThat(keys("doomed/")).isEmpty();
        storage.delete(List.of("doomed/large"));
        try (Storage segments = Storages.open("swift://" + container + "_segments", settings(
                SwiftTestServer.TEMPAUTH_KEY), Map.of()); Stream<ObjectInfo> left = segments.list("doomed/")) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void refusedCredentialsAreFinalAndNeverPrinted() {
        int before = proxy.requests().size();
        try (Storage wrong = Storages.open("swift://" + container, settings("not-the-key-s3cr3t"), Map.of())) {
            assertThatThrownBy(() -> wrong.stat("anything"))
                    .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.reason())
                            .isEqualTo(Reason.ACCESS_DENIED))
                    .hasMessageContaining(SwiftTestServer.TEMPAUTH_USER).hasMessageContaining("swift-key")
                    .hasMessageNotContaining("not-the-key-s3cr3t");
        }
        assertThat(proxy.requests().size() - before).isEqualTo(1);

        Map<String, String> keystone = SwiftTestServer.keystone();
        keystone.put("swift-password", "wrong-pass-s3cr3t");
        try (Storage wrong = Storages.open("swift://" + container, keystone, Map.of())) {
            assertThatThrownBy(() -> wrong.list("").count())
                    .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.reason())
                            .isEqualTo(Reason.ACCESS_DENIED))
                    .hasMessageContaining("keystone user '" + SwiftTestServer.KEYSTONE_USER + "'")
                    .hasMessageNotContaining("wrong-pass-s3cr3t");
        }
    }
}
