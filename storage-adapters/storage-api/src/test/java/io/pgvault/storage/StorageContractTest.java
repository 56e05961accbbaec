package io.pgvault.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The storage contract, as one suite every adapter runs against a real server. Subclasses open the adapter (with a
 * small part size so the multi-part path runs) and say how large an object must be to span three parts.
 * Each test works under its own random prefix, so a shared bucket needs no cleaning between tests.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class StorageContractTest {

    /** Opens the adapter under test; called once per test class. */
    protected abstract Storage openStorage() throws Exception;

    /** An object at least this large is uploaded in three or more parts. */
    protected abstract int threePartSize();

    /** Objects written by the listing test; at least 2,000 (the contract's page boundary check). */
    protected int listingObjectCount() {
        return 2100;
    }

    protected Storage storage;
    protected String base;

    @BeforeAll
    void openAdapter() throws Exception {
        storage = openStorage();
    }

    @AfterAll
    void closeAdapter() {
        if (storage != null) {
            storage.close();
        }
    }

    @BeforeEach
    void newPrefix() {
        base = "contract-" + UUID.randomUUID().toString().substring(0, 8) + "/";
    }

    // ---- helpers -------------------------------------------------------------------------------

    protected static byte[] randomBytes(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    protected ObjectInfo put(String key, byte[] data, WriteMode mode) {
        try (ObjectWriter writer = storage.write(key, mode)) {
            writer.write(data);
            return writer.commit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    protected byte[] get(String key) {
        try (InputStream in = storage.read(key)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    protected byte[] get(String key, long offset, long length) {
        try (InputStream in = storage.read(key, offset, length)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    protected static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    protected List<String> keys(String prefix) {
        try (Stream<ObjectInfo> s = storage.list(prefix)) {
            return s.map(ObjectInfo::key).collect(Collectors.toList());
        }
    }

    // ---- round trip --------------------------------------------------------------------------------

    @Test
    void roundTripSmallEmptyAndLarger() {
        byte[] small = "hello, repository".getBytes(StandardCharsets.UTF_8);
        byte[] larger = randomBytes(1_000_003, 1);
        ObjectInfo info = put(base + "small", small, WriteMode.OVERWRITE);
        put(base + "empty", new byte[0], WriteMode.OVERWRITE);
        put(base + "dir/larger.bin", larger, WriteMode.OVERWRITE);

        assertThat(info.key()).isEqualTo(base + "small");
        assertThat(info.size()).isEqualTo(small.length);
        assertThat(get(base + "small")).isEqualTo(small);
        assertThat(get(base + "empty")).isEmpty();
        assertThat(sha256(get(base + "dir/larger.bin"))).isEqualTo(sha256(larger));
        assertThat(storage.stat(base + "dir/larger.bin")).get()
                .satisfies(i -> assertThat(i.size()).isEqualTo(larger.length));
        assertThat(storage.stat(base + "empty")).get().satisfies(i -> assertThat(i.size()).isZero());
    }

    @Test
    void rangedReads() {
        byte[] data = randomBytes(300_000, 2);
        put(base + "ranged", data, WriteMode.OVERWRITE);
        assertThat(get(base + "ranged", 0, 10)).isEqualTo(slice(data, 0, 10));
        assertThat(get(base + "ranged", 123_456, 70_000)).isEqualTo(slice(data, 123_456, 70_000));
        assertThat(get(base + "ranged", 299_990, 100)).isEqualTo(slice(data, 299_990, 10));
        assertThat(get(base + "ranged", 300_000, 10)).isEmpty();
        assertThat(get(base + "ranged", 500_000, 10)).isEmpty();
        assertThat(get(base + "ranged", 5, 0)).isEmpty();
    }

    private static byte[] slice(byte[] data, int from, int len) {
        byte[] out = new byte[len];
        System.arraycopy(data, from, out, 0, len);
        return out;
    }

    // ---- not found ------------------------------------------------------------------------------------

    @Test
    void absentObjectsGoThroughTheOneNotFoundPath() {
        String key = base + "missing/object";
        assertThat(storage.stat(key)).isEmpty();
        assertThatThrownBy(() -> storage.read(key)).isInstanceOf(ObjectNotFoundException.class)
                .hasMessageContaining("missing/object");
        assertThatThrownBy(() -> storage.read(key, 10, 10)).isInstanceOf(ObjectNotFoundException.class);
        assertThat(keys(base + "missing/")).isEmpty();
    }

    // ---- listing --------------------------------------------------------------------------------------

    @Test
    void listsPrefixesOverManyPagesInKeyOrder() throws Exception {
        int count = listingObjectCount();
        assertThat(count).isGreaterThanOrEqualTo(2000);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<?>> writes = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String key = base + "many/" + (i % 2 == 0 ? "even/" : "odd/") + String.format("%06d", i);
                byte[] data = Integer.toString(i).getBytes(StandardCharsets.UTF_8);
                writes.add(pool.submit(() -> put(key, data, WriteMode.OVERWRITE)));
            }
            for (Future<?> f : writes) {
                f.get(5, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        put(base + "manyother", new byte[1], WriteMode.OVERWRITE);
        put(base + "many-sibling/x", new byte[1], WriteMode.OVERWRITE);

        List<String> all = keys(base + "many/");
        assertThat(all).hasSize(count).isSorted();
        assertThat(keys(base + "many/even/")).hasSize((count + 1) / 2).allMatch(k -> k.contains("/even/"));
        assertThat(keys(base + "many/odd/00000")).hasSize(5);
        assertThat(keys(base + "many")).hasSize(count + 2);
        assertThat(keys(base + "many/even/000002")).containsExactly(base + "many/even/000002");
        try (Stream<ObjectInfo> s = storage.list(base + "many/odd/")) {
            assertThat(s.limit(3).map(ObjectInfo::key)).containsExactly(
                    base + "many/odd/000001", base + "many/odd/000003", base + "many/odd/000005");
        }
    }

    // ---- overwrite rules --------------------------------------------------------------------------------

    @Test
    void overwriteReplacesAndCreateNewRefuses() {
        String key = base + "rules/object";
        put(key, "first".getBytes(StandardCharsets.UTF_8), WriteMode.CREATE_NEW);
        assertThatThrownBy(() -> put(key, "second".getBytes(StandardCharsets.UTF_8), WriteMode.CREATE_NEW))
                .isInstanceOf(ObjectExistsException.class).hasMessageContaining("rules/object");
        assertThat(new String(get(key), StandardCharsets.UTF_8)).isEqualTo("first");
        put(key, "third".getBytes(StandardCharsets.UTF_8), WriteMode.OVERWRITE);
        assertThat(new String(get(key), StandardCharsets.UTF_8)).isEqualTo("third");
        assertThat(keys(base + "rules/")).containsExactly(key);
    }

    // ---- delete ------------------------------------------------------------------------------------------

    @Test
    void deleteIsIdempotentAndBatched() {
        List<String> written = IntStream.range(0, 1050).mapToObj(i -> base + "del/" + i).collect(Collectors.toList());
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            written.stream().map(k -> pool.submit(() -> put(k, new byte[] {1}, WriteMode.OVERWRITE)))
                    .collect(Collectors.toList()).forEach(StorageContractTest::await);
        } finally {
            pool.shutdownNow();
        }
        List<String> toDelete = new ArrayList<>(written);
        toDelete.add(base + "del/never-existed");
        storage.delete(toDelete);
        assertThat(keys(base + "del/")).isEmpty();
        storage.delete(toDelete);
        storage.delete(List.of());
        assertThat(storage.stat(base + "del/7")).isEmpty();
    }

    private static void await(Future<?> f) {
        try {
            f.get(5, TimeUnit.MINUTES);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- multi-part --------------------------------------------------------------------------------------

    @Test
    void objectsOfThreeOrMorePartsRoundTrip() throws IOException {
        int size = threePartSize() + 12_345;
        byte[] data = randomBytes(size, 3);
        String key = base + "parts/big";
        try (ObjectWriter writer = storage.write(key, WriteMode.OVERWRITE)) {
            // odd-sized writes, so part boundaries fall inside write calls
            for (int off = 0; off < size; off += 77_777) {
                writer.write(data, off, Math.min(77_777, size - off));
            }
            assertThat(writer.commit().size()).isEqualTo(size);
        }
        assertThat(storage.stat(key)).get().satisfies(i -> assertThat(i.size()).isEqualTo(size));
        assertThat(sha256(get(key))).isEqualTo(sha256(data));
        assertThat(get(key, threePartSize() - 10, 20)).isEqualTo(slice(data, threePartSize() - 10, 20));
        assertThat(keys(base + "parts/")).containsExactly(key);
    }

    // ---- interrupted uploads ----------------------------------------------------------------------------

    @Test
    void abandonedOrFailedUploadsLeaveNothingVisible() throws IOException {
        String key = base + "abandoned/big";
        byte[] data = randomBytes(threePartSize(), 4);
        try (ObjectWriter writer = storage.write(key, WriteMode.OVERWRITE)) {
            writer.write(data);
            assertThat(storage.stat(key)).isEmpty();
            assertThat(keys(base + "abandoned/")).isEmpty();
            // closed without commit: abandoned
        }
        assertThat(storage.stat(key)).isEmpty();
        assertThat(keys(base)).isEmpty();

        String small = base + "abandoned/small";
        assertThatThrownBy(() -> {
            try (ObjectWriter writer = storage.write(small, WriteMode.OVERWRITE)) {
                writer.write(new byte[100]);
                throw new IOException("simulated failure of the data source");
            }
        }).isInstanceOf(IOException.class);
        assertThat(storage.stat(small)).isEmpty();

        // an abandoned overwrite leaves the previous version in place
        put(small, "kept".getBytes(StandardCharsets.UTF_8), WriteMode.OVERWRITE);
        try (ObjectWriter writer = storage.write(small, WriteMode.OVERWRITE)) {
            writer.write(data);
        }
        assertThat(new String(get(small), StandardCharsets.UTF_8)).isEqualTo("kept");
        assertThat(keys(base)).containsExactly(small);
    }

    // ---- parallel writers -------------------------------------------------------------------------------

    @Test
    void parallelWritersNeverInterleave() throws Exception {
        int writers = 8;
        int size = 200_000;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int id = w;
                futures.add(pool.submit(() -> {
                    put(base + "parallel/own-" + id, randomBytes(size, 100 + id), WriteMode.OVERWRITE);
                    put(base + "parallel/shared", randomBytes(size, 200 + id), WriteMode.OVERWRITE);
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(5, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        for (int w = 0; w < writers; w++) {
            assertThat(sha256(get(base + "parallel/own-" + w))).isEqualTo(sha256(randomBytes(size, 100 + w)));
        }
        String shared = sha256(get(base + "parallel/shared"));
        List<String> candidates = IntStream.range(0, writers).mapToObj(w -> sha256(randomBytes(size, 200 + w)))
                .collect(Collectors.toList());
        assertThat(candidates).contains(shared);
        assertThat(keys(base + "parallel/")).hasSize(writers + 1);
    }

    @Test
    void createNewRaceHasExactlyOneWinnerWhenAtomic() throws Exception {
        if (!storage.capabilities().contains(Capability.ATOMIC_CREATE_NEW)) {
            // the contract only promises a check for non-atomic adapters; the sequential case is covered above
            assertThatThrownBy(() -> {
                put(base + "race", new byte[] {1}, WriteMode.CREATE_NEW);
                put(base + "race", new byte[] {2}, WriteMode.CREATE_NEW);
            }).isInstanceOf(ObjectExistsException.class);
            return;
        }
        int writers = 6;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        List<Future<Boolean>> results = new ArrayList<>();
        try {
            for (int w = 0; w < writers; w++) {
                byte[] data = randomBytes(50_000, 300 + w);
                results.add(pool.submit(() -> {
                    try {
                        put(base + "race", data, WriteMode.CREATE_NEW);
                        return true;
                    } catch (ObjectExistsException e) {
                        return false;
                    }
                }));
            }
            long winners = 0;
            for (Future<Boolean> f : results) {
                winners += f.get(5, TimeUnit.MINUTES) ? 1 : 0;
            }
            assertThat(winners).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void hostileKeysAreRefusedBeforeAnyRequest() {
        for (String bad : List.of("../escape", base + "a/../../b", "/absolute", base + "a//b", base + "back\\slash")) {
            assertThatThrownBy(() -> storage.write(bad, WriteMode.OVERWRITE))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> storage.read(bad)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void readingWhileWritingSeesTheOldVersion() throws IOException {
        String key = base + "visibility/object";
        put(key, "v1".getBytes(StandardCharsets.UTF_8), WriteMode.OVERWRITE);
        try (ObjectWriter writer = storage.write(key, WriteMode.OVERWRITE)) {
            writer.write(randomBytes(threePartSize() / 2, 5));
            assertThat(new String(get(key), StandardCharsets.UTF_8)).isEqualTo("v1");
            writer.commit();
        }
        assertThat(get(key)).hasSize(threePartSize() / 2);
    }

    /** Reads an object into memory; for subclasses' own checks. */
    protected static byte[] drain(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toByteArray();
    }
}
