package io.pgvault.storage.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgvault.storage.ObjectInfo;
import io.pgvault.storage.ObjectWriter;
import io.pgvault.storage.StorageException;
import io.pgvault.storage.WriteMode;
import io.pgvault.storage.azure.FaultInjectingProxy.Fault;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Transient failures between the adapter and Azurite, injected by a proxy: retried until they pass, or reported as
 * UNAVAILABLE after a bounded number of tries, leaving nothing behind.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AzureRetryTest {

    private static final int RETRIES = 3;
    private static final int BLOCK = 16 * 1024;

    private final String container = Azurite.newContainer("retry");
    private FaultInjectingProxy proxy;
    private AzureStorage direct;
    private AzureStorage viaProxy;
    private String base;

    @BeforeAll
    void start() throws IOException {
        Azurite.requireRunning();
        proxy = new FaultInjectingProxy(Azurite.endpoint());
        direct = new AzureStorage(Azurite.config(container, "", Map.of(AzureSettings.BLOCK_SIZE, "16KiB")));
        direct.ensureContainer();
        viaProxy = new AzureStorage(direct.config().withEndpoint(proxy.endpoint())
                .withRetries(RETRIES, Duration.ofMillis(10), Duration.ofMillis(100)));
    }

    @AfterAll
    void stop() throws IOException {
        for (AutoCloseable open : new AutoCloseable[] {viaProxy, direct, proxy}) {
            if (open != null) {
                try {
                    open.close();
                } catch (Exception e) {
                    throw new IOException(e);
                }
            }
        }
        Azurite.deleteContainer(container);
    }

    @BeforeEach
    void fresh() {
        proxy.reset();
        base = "retry-" + UUID.randomUUID().toString().substring(0, 8) + "/";
    }

    private static byte[] data(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }

    private static ObjectInfo put(AzureStorage storage, String key, byte[] bytes, WriteMode mode) throws IOException {
        try (ObjectWriter writer = storage.write(key, mode)) {
            writer.write(bytes);
            return writer.commit();
        }
    }

    private static byte[] get(AzureStorage storage, String key) throws IOException {
        try (InputStream in = storage.read(key)) {
            return in.readAllBytes();
        }
    }

    @ParameterizedTest
    @EnumSource(value = Fault.class, names = {"RESET", "SERVER_BUSY"})
    void transientFailuresAreRetriedUntilTheyPass(Fault fault) throws IOException {
        byte[] big = data(3 * BLOCK + 100);
        proxy.failNext(2, fault);
        put(viaProxy, base + "big", big, WriteMode.OVERWRITE);
        proxy.failNext(2, fault);
        put(viaProxy, base + "small", data(10), WriteMode.CREATE_NEW);
        proxy.failNext(2, fault);
        assertThat(get(viaProxy, base + "big")).isEqualTo(big);
        proxy.failNext(2, fault);
        assertThat(viaProxy.stat(base + "small")).isPresent();
        proxy.failNext(2, fault);
        try (Stream<ObjectInfo> listed = viaProxy.list(base)) {
            assertThat(listed.map(ObjectInfo::key)).containsExactly(base + "big", base + "small");
        }
        proxy.failNext(2, fault);
        viaProxy.delete(List.of(base + "big", base + "small"));
        assertThat(direct.stat(base + "big")).isEmpty();
    }

    @Test
    void aStalledRequestIsAbandonedAfterTheRequestTimeoutAndRetried() throws IOException {
        put(direct, base + "slow", data(5), WriteMode.OVERWRITE);
        AzureStorage impatient = new AzureStorage(Azurite.config(container, "",
                        Map.of(AzureSettings.REQUEST_TIMEOUT, "1")).withEndpoint(proxy.endpoint())
                .withRetries(RETRIES, Duration.ofMillis(10), Duration.ofMillis(100)));
        try (impatient) {
            proxy.failNext(1, Fault.STALL);
            long started = System.nanoTime();
            assertThat(impatient.stat(base + "slow")).isPresent();
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isBetween(Duration.ofMillis(900),
                    Duration.ofSeconds(20));
        }
    }

    @Test
    void serverBusyForeverFailsAsUnavailableAfterBoundedTries() {
        proxy.failNext(Integer.MAX_VALUE, Fault.SERVER_BUSY);
        assertThatThrownBy(() -> viaProxy.stat(base + "busy/object"))
                .isInstanceOfSatisfying(StorageException.class,
                        e -> assertThat(e.reason()).isEqualTo(StorageException.Reason.UNAVAILABLE))
                .hasMessageContaining(base + "busy/object").hasMessageContaining("503")
                .hasMessageContaining(RETRIES + " retries");
        assertThat(proxy.requests()).isEqualTo(RETRIES + 1);
    }

    @Test
    void resetsForeverFailAsUnavailableAfterBoundedTries() {
        proxy.failNext(Integer.MAX_VALUE, Fault.RESET);
        assertThatThrownBy(() -> viaProxy.read(base + "reset/object"))
                .isInstanceOfSatisfying(StorageException.class,
                        e -> assertThat(e.reason()).isEqualTo(StorageException.Reason.UNAVAILABLE))
                .hasMessageContaining(base + "reset/object");
        // the JDK client may itself retry a reset idempotent request once per try
        assertThat(proxy.requests()).isBetween(RETRIES + 1, 2 * (RETRIES + 1));
    }

    @ParameterizedTest
    @EnumSource(value = Fault.class, names = {"RESET", "SERVER_BUSY"})
    void writesThatNeverGetThroughFailAndLeaveNothing(Fault fault) {
        proxy.failNext(Integer.MAX_VALUE, fault);
        for (int size : new int[] {100, 3 * BLOCK + 1}) {
            String key = base + "doomed-" + size;
            assertThatThrownBy(() -> put(viaProxy, key, data(size), WriteMode.OVERWRITE))
                    .isInstanceOfSatisfying(StorageException.class,
                            e -> assertThat(e.reason()).isEqualTo(StorageException.Reason.UNAVAILABLE))
                    .hasMessageContaining(key);
        }
        try (Stream<ObjectInfo> listed = direct.list(base)) {
            assertThat(listed).isEmpty();
        }
    }

    @Test
    void aCreateNewCommitWhoseAnswerWasLostIsRecognisedOnRetry() throws IOException {
        byte[] small = data(300);
        proxy.failNext(1, Fault.LOSE_ANSWER, line -> line.startsWith("PUT"));
        put(viaProxy, base + "lost-small", small, WriteMode.CREATE_NEW);
        assertThat(get(direct, base + "lost-small")).isEqualTo(small);

        byte[] big = data(3 * BLOCK + 7);
        proxy.failNext(1, Fault.LOSE_ANSWER, line -> line.contains("comp=blocklist"));
        assertThat(put(viaProxy, base + "lost-big", big, WriteMode.CREATE_NEW).size()).isEqualTo(big.length);
        assertThat(get(direct, base + "lost-big")).isEqualTo(big);
        assertThat(proxy.requestLines().stream().filter(l -> l.contains("comp=blocklist")).count()).isEqualTo(2);
    }

    @Test
    void aCommitThatMayHaveHappenedIsUndoneWhenTheWriteFails() {
        // every commit reaches the service, and no answer comes back: the write fails, and must not leave its blob
        proxy.failNext(Integer.MAX_VALUE, Fault.LOSE_ANSWER, line -> line.contains("comp=blocklist"));
        String key = base + "ghost";
        assertThatThrownBy(() -> put(viaProxy, key, data(3 * BLOCK), WriteMode.OVERWRITE))
                .isInstanceOfSatisfying(StorageException.class,
                        e -> assertThat(e.reason()).isEqualTo(StorageException.Reason.UNAVAILABLE));
        assertThat(direct.stat(key)).isEmpty();
    }

    @Test
    void listingFetchesOnePagePerRequestAndStopsEarly() throws IOException {
        for (int i = 0; i < 25; i++) {
            put(direct, base + "page/" + String.format("%03d", i), new byte[] {(byte) i}, WriteMode.OVERWRITE);
        }
        AzureStorage paged = new AzureStorage(viaProxy.config().withListPageSize(10));
        try (paged) {
            proxy.reset();
            List<String> keys;
            try (Stream<ObjectInfo> listed = paged.list(base + "page/")) {
                keys = listed.map(ObjectInfo::key).collect(Collectors.toList());
            }
            assertThat(keys).containsExactlyElementsOf(IntStream.range(0, 25)
                    .mapToObj(i -> base + "page/" + String.format("%03d", i)).collect(Collectors.toList()));
            assertThat(proxy.requests()).isEqualTo(3);

            proxy.reset();
            try (Stream<ObjectInfo> listed = paged.list(base + "page/")) {
                assertThat(listed.limit(3)).hasSize(3);
            }
            assertThat(proxy.requests()).isEqualTo(1);
        }
    }
}
