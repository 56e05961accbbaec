package io.pgvault.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgvault.storage.ObjectExistsException;
import io.pgvault.storage.ObjectInfo;
import io.pgvault.storage.ObjectWriter;
import io.pgvault.storage.Storage;
import io.pgvault.storage.WriteMode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.services.s3.S3Client;

/** Bucket creation and what abandoned multi-part uploads leave behind, seen on the real s3proxy. */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class S3BucketAndUploadsTest {

    private static final int PART = S3StorageConfig.MIN_PART_SIZE;

    private S3Storage direct;
    private String base;

    @BeforeAll
    void start() {
        direct = S3TestServer.newBucket("uploads");
    }

    @AfterAll
    void stop() {
        if (direct != null) {
            S3TestServer.dropBucket(direct);
            direct.close();
        }
    }

    @BeforeEach
    void freshPrefix() {
        base = "uploads-" + UUID.randomUUID().toString().substring(0, 8) + "/";
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

    @Test
    void ensureContainerCreatesAMissingBucketOnce() {
        String bucket = S3TestServer.newBucketName("created");
        try (S3Storage storage = new S3Storage(direct.config().withBucket(bucket))) {
            assertThat(storage.ensureContainer()).isTrue();
            assertThat(storage.ensureContainer()).isFalse();
            put(storage, "hello", data(5), WriteMode.OVERWRITE);
            assertThat(get(storage, "hello")).isEqualTo(data(5));
            S3TestServer.dropBucket(storage);
        }
    }

    @Test
    void anAbandonedMultipartUploadLeavesNoUploadInProgress() {
        String key = base + "abandoned";
        try (ObjectWriter writer = direct.write(key, WriteMode.OVERWRITE)) {
            writer.write(data(2 * PART + 100));
            assertThat(uploadsInProgress(key)).hasSize(1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertThat(uploadsInProgress(base)).isEmpty();
        assertThat(keys(base)).isEmpty();

        assertThatThrownBy(() -> {
            try (ObjectWriter writer = direct.write(key, WriteMode.OVERWRITE)) {
                writer.write(data(2 * PART + 100));
                throw new IOException("the data source failed");
            }
        }).isInstanceOf(IOException.class);
        assertThat(uploadsInProgress(base)).isEmpty();
        assertThat(keys(base)).isEmpty();

        put(direct, key, data(7), WriteMode.OVERWRITE);
        assertThatThrownBy(() -> put(direct, key, data(2 * PART + 100), WriteMode.CREATE_NEW))
                .isInstanceOf(ObjectExistsException.class);
        assertThat(uploadsInProgress(base)).isEmpty();
        assertThat(get(direct, key)).isEqualTo(data(7));
    }
}
