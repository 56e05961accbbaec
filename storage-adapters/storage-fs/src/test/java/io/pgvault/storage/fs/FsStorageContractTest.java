package io.pgvault.storage.fs;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgvault.storage.ObjectWriter;
import io.pgvault.storage.Storage;
import io.pgvault.storage.StorageContractTest;
import io.pgvault.storage.Storages;
import io.pgvault.storage.WriteMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The storage contract against a real directory, plus what is specific to files. */
class FsStorageContractTest extends StorageContractTest {

    private Path root;

    @Override
    protected Storage openStorage() throws IOException {
        root = Files.createTempDirectory("pgvault-fs-contract");
        return Storages.open("file://" + root, Map.of(), Map.of());
    }

    @Override
    protected int threePartSize() {
        return 3 * 256 * 1024;
    }

    @AfterAll
    void removeRoot() throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void abandonedWriteLeavesNoTemporaryFile() throws IOException {
        try (ObjectWriter writer = storage.write(base + "tmp/x", WriteMode.OVERWRITE)) {
            writer.write(new byte[1000]);
        }
        try (Stream<Path> files = Files.list(root.resolve(base + "tmp"))) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void plainPathIsAFileUrl() {
        assertThat(Storages.parse("/var/lib/pgvault").getScheme()).isEqualTo("file");
    }
}
