package io.pgvault.storage.azure;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.storage.blob.models.BlobItem;
import io.pgvault.storage.Capability;
import io.pgvault.storage.ContainerProvisioning;
import io.pgvault.storage.Storage;
import io.pgvault.storage.StorageContractTest;
import io.pgvault.storage.Storages;
import io.pgvault.storage.WriteMode;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The storage contract against a real Azurite, in a fresh container, with 64 KiB blocks. */
@Tag("integration")
class AzureStorageContractTest extends StorageContractTest {

    private static final int BLOCK = 64 * 1024;
    private final String container = Azurite.newContainer("contract");

    @Override
    protected Storage openStorage() {
        Azurite.requireRunning();
        Map<String, String> settings = new HashMap<>(Azurite.settings());
        settings.put(AzureSettings.BLOCK_SIZE, "64KiB");
        settings.put(AzureSettings.UPLOAD_CONCURRENCY, "3");
        Storage opened = Storages.open("azure://" + container + "/repo/root", settings, Map.of());
        assertThat(((ContainerProvisioning) opened).ensureContainer()).isTrue();
        return opened;
    }

    @Override
    protected int threePartSize() {
        return 3 * BLOCK;
    }

    @AfterAll
    void removeContainer() {
        Azurite.deleteContainer(container);
    }

    @Test
    void declaresAtomicCreateNewAndMultipart() {
        assertThat(storage.capabilities()).contains(Capability.ATOMIC_CREATE_NEW, Capability.MULTIPART_UPLOAD)
                .doesNotContain(Capability.BATCH_DELETE, Capability.LOCAL);
    }

    @Test
    void objectsLiveUnderTheUrlsPrefix() {
        put(base + "placed", "x".getBytes(StandardCharsets.UTF_8), WriteMode.OVERWRITE);
        String names = Azurite.admin().getBlobContainerClient(container).listBlobs().stream()
                .map(BlobItem::getName).filter(n -> n.contains(base)).collect(Collectors.joining(","));
        assertThat(names).isEqualTo("repo/root/" + base + "placed");
        assertThat(((ContainerProvisioning) storage).ensureContainer()).isFalse();
    }
}
