package io.pgvault.storage.s3;

import static io.pgvault.storage.s3.FaultyProxy.Fault.NONE;
import static io.pgvault.storage.s3.FaultyProxy.Fault.RESET;
import static io.pgvault.storage.s3.FaultyProxy.Fault.SLOW_DOWN;
import static io.pgvault.storage.s3.FaultyProxy.Fault.STALL;
import static io.pgvault.storage.s3.FaultyProxy.Fault.TRUNCATE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgvault.storage.ObjectInfo;
import io.pgvault.storage.ObjectWriter;
import io.pgvault.storage.Storage;
import io.pgvault.storage.StorageException;
import io.pgvault.storage.StorageException.Reason;
import io.pgvault.storage.WriteMode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Retries and final errors against the real s3proxy, through {@link FaultyProxy}: transient failures are retried and
 * the operation succeeds; persistent ones end in UNAVAILABLE after a bounded number of attempts, naming the object
 * and leaving nothing listed; final errors are reported at once.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class S3FaultsTest {

    private static final int RETRIES = 3;
    private static final int PART = S3StorageConfig.MIN_PART_SIZE;

    private FaultyProxy proxy;
    private S3Storage direct;
    private S3Storage viaProxy;
    private String base;

    @BeforeAll
    void start() throws IOException {
        direct = S3TestServer.newBucket("faults");
        proxy = new FaultyProxy(S3TestServer.endpoint());
        viaProxy = new S3Storage(direct.config().withEndpoint(proxy.endpoint())
                .withRetries(RETRIES, Duration.ofSeconds(2)));
    }

    @AfterAll
    void stop() throws IOException {
        if (viaProxy != null) {
            viaProxy.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (direct != null) {
            S3TestServer.dropBucket(direct);
            direct.close();
        }
    }

    @BeforeEach
    void freshPrefix() {
        proxy.reset();
        base = "faults-" + UUID.randomUUID().toString().substring(0, 8) + "/";
    }

    private static byte[] data(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }

    private static void put(Storage storage, String key, byte[] data, WriteMode mode) {
        try (ObjectWriter writer = storage.write(key, mode)) {
            writer.write(data);
            writer.commit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] get(Storage storage, String key) {
        try (InputStream in = storage.read(key)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<String> keys(String prefix) {
        try (Stream<ObjectInfo> s = direct.list(prefix)) {
            return s.map(ObjectInfo::key).toList();
        }
    }

    private List<String> uploadsInProgress(String prefix) {
        try (S3Client client = S3TestServer.rawClient()) {
            return client.listMultipartUploads(b -> b.bucket(direct.config().bucket()).prefix(prefix)).uploads()
                    .stream().map(u -> u.key() + " " + u.uploadId()).toList();
        }
    }

    private static StorageException.Reason reasonOf(Throwable e) {
        return ((StorageException) e).reason();
    }

    @Test
    void resetsAndThrottlingAreRetried() {
        byte[] small = data(1000);
        proxy.plan(RESET, SLOW_DOWN);
        put(viaProxy, base + "small", small, WriteMode.OVERWRITE);
        assertThat(proxy.requests()).hasSize(3).allMatch(r -> r.startsWith("PUT "));
        assertThat(get(direct, base + "small")).isEqualTo(small);

        proxy.plan(SLOW_DOWN, RESET);
        assertThat(viaProxy.stat(base + "small")).get().extracting(ObjectInfo::size).isEqualTo(1000L);
        proxy.plan(RESET);
        assertThat(viaProxy.list(base).map(ObjectInfo::key)).containsExactly(base + "small");
        proxy.plan(SLOW_DOWN);
        viaProxy.delete(List.of(base + "small"));
        assertThat(keys(base)).isEmpty();
    }

    @Test
    void aStalledRequestTimesOutAndIsRetried() {
        put(direct, base + "stalled", data(100), WriteMode.OVERWRITE);
        proxy.plan(STALL);
        assertThat(get(viaProxy, base + "stalled")).isEqualTo(data(100));
        assertThat(proxy.requests()).hasSize(2);
    }

    @Test
    void aMultipartUploadSurvivesFaultsOnItsRequests() throws IOException {
        byte[] big = data(3 * PART + 1234);
        // the first request starts the upload; the faults then hit parts sent in parallel, at most three per part
        proxy.plan(NONE, RESET, SLOW_DOWN, RESET);
        put(viaProxy, base + "big", big, WriteMode.OVERWRITE);
        assertThat(get(direct, base + "big")).isEqualTo(big);
        assertThat(proxy.requests()).filteredOn(r -> r.contains("partNumber=")).hasSizeGreaterThanOrEqualTo(4);
        assertThat(uploadsInProgress(base)).isEmpty();
    }

    @Test
    void aReadCutShortResumesWhereItStopped() throws IOException {
        byte[] object = data(3_000_000);
        put(direct, base + "cut", object, WriteMode.OVERWRITE);
        proxy.plan(TRUNCATE, TRUNCATE);
        assertThat(get(viaProxy, base + "cut")).isEqualTo(object);
        assertThat(proxy.requests()).hasSize(3).allMatch(r -> r.startsWith("GET "));
        proxy.plan(TRUNCATE);
        try (InputStream in = viaProxy.read(base + "cut", 1_000_000, 1_500_000)) {
            assertThat(in.readAllBytes()).isEqualTo(java.util.Arrays.copyOfRange(object, 1_000_000, 2_500_000));
        }
    }

    @Test
    void persistentFailuresEndInUnavailableNamingTheObject() {
        proxy.always(SLOW_DOWN);
        assertThatThrownBy(() -> put(viaProxy, base + "never", data(1000), WriteMode.OVERWRITE))
                .isInstanceOf(StorageException.class)
                .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(Reason.UNAVAILABLE))
                .hasMessageContaining(base + "never").hasMessageContaining("HTTP 503 SlowDown")
                .hasMessageContaining((RETRIES + 1) + " attempts");
        assertThat(proxy.requests()).hasSize(RETRIES + 1);

        proxy.reset();
        proxy.always(RESET);
        assertThatThrownBy(() -> viaProxy.stat(base + "never")).isInstanceOf(StorageException.class)
                .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(Reason.UNAVAILABLE))
                .hasMessageContaining(base + "never").hasMessageContaining("SocketException");
        assertThat(proxy.requests()).hasSize(RETRIES + 1);
        proxy.always(NONE);
        assertThat(direct.stat(base + "never")).isEmpty();
        assertThat(keys(base)).isEmpty();
    }

    @Test
    void aMultipartUploadThatFailsForGoodLeavesNoObject() throws IOException {
        String key = base + "big-fail";
        assertThatThrownBy(() -> {
            try (ObjectWriter writer = viaProxy.write(key, WriteMode.OVERWRITE)) {
                writer.write(data(PART + 10)); // the upload has started: its first part is on its way
                proxy.always(RESET);
                writer.write(data(2 * PART));
                writer.commit();
            }
        }).isInstanceOf(StorageException.class)
                .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(Reason.UNAVAILABLE))
                .hasMessageContaining(key);
        proxy.always(NONE);
        assertThat(direct.stat(key)).isEmpty();
        assertThat(keys(base)).isEmpty();
        // the abort could not reach the server either; what is left is an invisible upload, removed here
        try (S3Client client = S3TestServer.rawClient()) {
            client.listMultipartUploads(b -> b.bucket(direct.config().bucket()).prefix(key)).uploads()
                    .forEach(u -> client.abortMultipartUpload(b -> b.bucket(direct.config().bucket())
                            .key(u.key()).uploadId(u.uploadId())));
        }
    }

    @Test
    void badCredentialsAreRefusedAtOnce() {
        put(direct, base + "guarded", data(10), WriteMode.OVERWRITE);
        S3StorageConfig good = viaProxy.config();
        S3StorageConfig wrongSecret = new S3StorageConfig(good.bucket(), good.prefix(), good.region(),
                good.endpoint(), true, S3TestServer.ACCESS_KEY, "wrong-secret-value", null, null,
                "s3-access-key/s3-secret-key", null, null, null, good.requestTimeout(), 2, PART, RETRIES);
        try (S3Storage storage = new S3Storage(wrongSecret)) {
            assertThatThrownBy(() -> storage.read(base + "guarded")).isInstanceOf(StorageException.class)
                    .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(Reason.ACCESS_DENIED))
                    .hasMessageContaining("credentials refused").hasMessageContaining("s3-access-key/s3-secret-key")
                    .hasMessageContaining(base + "guarded").hasMessageNotContaining("wrong-secret-value");
            assertThat(proxy.requests()).hasSize(1);
            assertThatThrownBy(() -> storage.stat(base + "guarded")).isInstanceOf(StorageException.class)
                    .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(Reason.ACCESS_DENIED));
            assertThatThrownBy(() -> put(storage, base + "other", data(10), WriteMode.OVERWRITE))
                    .isInstanceOf(StorageException.class)
                    .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(Reason.ACCESS_DENIED));
            assertThatThrownBy(storage::ensureContainer).isInstanceOf(StorageException.class)
                    .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(Reason.ACCESS_DENIED));
            assertThat(proxy.requests()).hasSize(4);
        }
        S3StorageConfig unknownKey = new S3StorageConfig(good.bucket(), good.prefix(), good.region(),
                good.endpoint(), true, "nobody", "whatever", null, null, "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY",
                null, null, null, good.requestTimeout(), 2, PART, RETRIES);
        try (S3Storage storage = new S3Storage(unknownKey)) {
            assertThatThrownBy(() -> storage.list(base).toList()).isInstanceOf(StorageException.class)
                    .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(Reason.ACCESS_DENIED))
                    .hasMessageContaining("InvalidAccessKeyId").hasMessageContaining("AWS_ACCESS_KEY_ID");
        }
    }

    @Test
    void aMissingBucketIsAConfigurationErrorPointingAtInit() {
        String bucket = S3TestServer.newBucketName("missing");
        try (S3Storage storage = new S3Storage(viaProxy.config().withEndpoint(proxy.endpoint()).withBucket(bucket))) {
            for (org.junit.jupiter.api.function.Executable operation : List.<org.junit.jupiter.api.function.Executable>of(
                    () -> storage.stat("some/key"),
                    () -> storage.read("some/key"),
                    () -> storage.list("some/").toList(),
                    () -> put(storage, "some/key", data(10), WriteMode.OVERWRITE),
                    () -> storage.delete(List.of("some/key")))) {
                assertThatThrownBy(operation::execute).as(proxy.requests().toString()).isInstanceOf(StorageException.class)
                        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(Reason.CONFIGURATION))
                        .hasMessageContaining("bucket " + bucket + " does not exist")
                        .hasMessageContaining("pgvault init");
            }
            // stat: HEAD object, then HEAD bucket; every other operation one request; nothing retried
            assertThat(proxy.requests()).hasSize(6);
        }
    }

    @Test
    void listingsAndDeletesGoByPagesAndBatches() throws Exception {
        List<String> written = IntStream.range(0, 1001).mapToObj(i -> base + "page/" + i).toList();
        java.util.concurrent.ForkJoinPool pool = new java.util.concurrent.ForkJoinPool(16);
        try {
            pool.submit(() -> written.parallelStream().forEach(k -> put(direct, k, new byte[1], WriteMode.OVERWRITE)))
                    .get();
        } finally {
            pool.shutdown();
        }
        assertThat(viaProxy.list(base + "page/").count()).isEqualTo(1001);
        assertThat(proxy.requests()).hasSize(2).allMatch(r -> r.startsWith("GET ") && r.contains("list-type=2"));
        proxy.reset();
        viaProxy.delete(written);
        assertThat(proxy.requests()).hasSize(2).allMatch(r -> r.startsWith("POST ") && r.contains("delete"));
        assertThat(keys(base)).isEmpty();
    }
}
