package io.pgvault.storage.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.storage.blob.models.BlockListType;
import io.pgvault.storage.ObjectExistsException;
import io.pgvault.storage.ObjectInfo;
import io.pgvault.storage.ObjectWriter;
import io.pgvault.storage.WriteMode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Two writes of the same key at once. Committing a blob discards every uncommitted block of that blob, including
 * another writer's: these tests pin down what the adapter makes of that, one step at a time.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AzureConcurrentWritesTest {

    private static final int BLOCK = 16 * 1024;
    private final String container = Azurite.newContainer("race");
    private AzureStorage storage;

    @BeforeAll
    void open() {
        Azurite.requireRunning();
        storage = new AzureStorage(Azurite.config(container, "", Map.of(AzureSettings.BLOCK_SIZE, "16KiB")));
        storage.ensureContainer();
    }

    @AfterAll
    void close() {
        if (storage != null) {
            storage.close();
        }
        Azurite.deleteContainer(container);
    }

    private void put(String key, String text, WriteMode mode) throws IOException {
        try (ObjectWriter writer = storage.write(key, mode)) {
            writer.write(text.getBytes(StandardCharsets.UTF_8));
            writer.commit();
        }
    }

    private String get(String key) throws IOException {
        try (InputStream in = storage.read(key)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private void awaitUncommittedBlocks(String key, int count) throws InterruptedException {
        var blob = Azurite.admin().getBlobContainerClient(container).getBlobClient(key).getBlockBlobClient();
        for (int i = 0; i < 200; i++) {
            if (blob.listBlocks(BlockListType.UNCOMMITTED).getUncommittedBlocks().size() >= count) {
                return;
            }
            Thread.sleep(25);
        }
        throw new AssertionError("the writer never staged " + count + " blocks of " + key);
    }

    private static byte[] blocks(int count) {
        byte[] data = new byte[count * BLOCK];
        new Random(count).nextBytes(data);
        return data;
    }

    @Test
    void anOverwriteOvertakenByAnotherCommitCountsAsCommittedThenReplaced() throws Exception {
        String key = "overtaken/" + UUID.randomUUID();
        try (ObjectWriter slow = storage.write(key, WriteMode.OVERWRITE)) {
            slow.write(blocks(3)); // two blocks staged in the background, the third still buffered
            awaitUncommittedBlocks(key, 2);
            byte[] fast = blocks(2);
            try (ObjectWriter writer = storage.write(key, WriteMode.OVERWRITE)) {
                writer.write(fast);
                writer.commit(); // a block list commit discards the slow writer's staged blocks
            }
            ObjectInfo info = slow.commit();
            assertThat(info.size()).isEqualTo(3L * BLOCK);
            try (InputStream in = storage.read(key)) {
                assertThat(in.readAllBytes()).isEqualTo(fast);
            }
        }
    }

    @Test
    void aCreateNewOvertakenByAnotherCommitIsRefused() throws IOException {
        String key = "created/" + UUID.randomUUID();
        try (ObjectWriter slow = storage.write(key, WriteMode.CREATE_NEW)) {
            slow.write(blocks(3));
            put(key, "first", WriteMode.CREATE_NEW);
            assertThatThrownBy(slow::commit).isInstanceOf(ObjectExistsException.class).hasMessageContaining(key);
        }
        assertThat(get(key)).isEqualTo("first");
    }

    @Test
    void multiBlockCreateNewRaceHasOneWinnerWhoseBytesAreStored() throws Exception {
        String key = "race/" + UUID.randomUUID();
        int writers = 5;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<byte[]>> results = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                byte[] data = blocks(3 + w);
                results.add(pool.submit(() -> {
                    try (ObjectWriter writer = storage.write(key, WriteMode.CREATE_NEW)) {
                        writer.write(data);
                        writer.commit();
                        return data;
                    } catch (ObjectExistsException e) {
                        return null;
                    }
                }));
            }
            List<byte[]> winners = new ArrayList<>();
            for (Future<byte[]> result : results) {
                byte[] won = result.get(1, TimeUnit.MINUTES);
                if (won != null) {
                    winners.add(won);
                }
            }
            assertThat(winners).hasSize(1);
            try (InputStream in = storage.read(key)) {
                assertThat(in.readAllBytes()).isEqualTo(winners.get(0));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anAbandonedWriteDoesNotDisturbAnotherWriterOfTheSameKey() throws IOException {
        String key = "abandoned/" + UUID.randomUUID();
        byte[] data = blocks(4);
        try (ObjectWriter kept = storage.write(key, WriteMode.OVERWRITE)) {
            kept.write(data);
            try (ObjectWriter abandoned = storage.write(key, WriteMode.OVERWRITE)) {
                abandoned.write(blocks(2));
            }
            kept.commit();
        }
        try (InputStream in = storage.read(key)) {
            assertThat(in.readAllBytes()).isEqualTo(data);
        }
    }
}
