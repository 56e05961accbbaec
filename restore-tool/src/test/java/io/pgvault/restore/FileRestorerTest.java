package io.pgvault.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.backup.BackupProgress;
import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.manifest.Chunk;
import io.pgvault.core.manifest.EntryKind;
import io.pgvault.core.manifest.FileEntry;
import io.pgvault.core.repo.BackupChain;
import io.pgvault.core.repo.BackupId;
import io.pgvault.core.repo.ClusterInfo;
import io.pgvault.core.repo.Repository;
import io.pgvault.core.stream.Codec;
import io.pgvault.core.stream.Crc32c;
import io.pgvault.core.stream.FrameCodec;
import io.pgvault.core.stream.NonClosingOutputStream;
import io.pgvault.core.stream.Sha256;
import io.pgvault.storage.InMemoryStorage;
import io.pgvault.storage.ObjectWriter;
import io.pgvault.storage.WriteMode;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The check of every restored file against its manifest: the CRC-32C the backup recorded, else (manifests written
 * before it was recorded) the SHA-256. A mismatch in the one that is checked fails the restore, naming the file.
 */
class FileRestorerTest {

    private static final String ID = "20260101T000000F";
    private static final byte[] CONTENT = "relation file content ".repeat(5000).getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    private final InMemoryStorage storage = new InMemoryStorage();
    private Repository repository;

    @BeforeEach
    void storeOneFile() throws Exception {
        repository = new Repository(storage, "main");
        repository.createClusterInfo(new ClusterInfo(ClusterInfo.FORMAT, "main", "7000000000000000001", 150000,
                16 * 1024 * 1024, Instant.parse("2026-01-01T00:00:00Z"), null));
        String key = repository.layout().backupObject(BackupId.parse(ID), "data/f1.zst");
        try (ObjectWriter w = storage.write(key, WriteMode.CREATE_NEW)) {
            try (OutputStream frame = FrameCodec.plain(Codec.NONE, 0).writer(new NonClosingOutputStream(w),
                    "base/5/16384")) {
                frame.write(CONTENT);
            }
            w.commit();
        }
    }

    @Test
    void restoresAFileWhoseChecksumsMatch() throws Exception {
        Path pgdata = restore(entry(Sha256.of(CONTENT), crc(CONTENT)));
        assertThat(Files.readAllBytes(pgdata.resolve("base/5/16384"))).isEqualTo(CONTENT);
    }

    @Test
    void checksTheRecordedCrc32c() {
        // the SHA-256 is right: only the CRC-32C can tell
        assertThatThrownBy(() -> restore(entry(Sha256.of(CONTENT), flipped(crc(CONTENT)))))
                .isInstanceOf(PgVaultException.class)
                .hasMessageContaining("restored base/5/16384 does not match backup " + ID)
                .hasMessageContaining("CRC-32C differs")
                .satisfies(e -> assertThat(((PgVaultException) e).code()).isEqualTo(ErrorCode.DAMAGED));
    }

    @Test
    void checksTheSha256OfAnEntryWithoutCrc32c() throws Exception {
        byte[] other = CONTENT.clone();
        other[100] ^= 1;
        assertThatThrownBy(() -> restore(entry(Sha256.of(other), null)))
                .isInstanceOf(PgVaultException.class)
                .hasMessageContaining("SHA-256 differs");
        Path pgdata = restore(entry(Sha256.of(CONTENT), null));
        assertThat(Files.readAllBytes(pgdata.resolve("base/5/16384"))).isEqualTo(CONTENT);
    }

    @Test
    void aCrc32cMustBeEightHexDigitsNextToASha256() {
        assertThatThrownBy(() -> entry(Sha256.of(CONTENT), "12345"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("8 hex digits");
        assertThatThrownBy(() -> new FileEntry("base/5/1", EntryKind.FILE, 1, 0600, 0, null, null, List.of(),
                List.of(), crc(CONTENT))).isInstanceOf(IllegalArgumentException.class);
    }

    private FileEntry entry(String sha256, String crc32c) {
        long stored = storage.stat(repository.layout().backupObject(BackupId.parse(ID), "data/f1.zst")).orElseThrow()
                .size();
        Chunk chunk = new Chunk("data/f1.zst", 0, stored, 0, CONTENT.length);
        return new FileEntry("base/5/16384", EntryKind.FILE, CONTENT.length, 0600, 1_700_000_000_000L, sha256, null,
                List.of(chunk), List.of(), crc32c);
    }

    private int restores;

    private Path restore(FileEntry file) throws Exception {
        List<FileEntry> files = new ArrayList<>(List.of(TestManifests.dir("base"), TestManifests.dir("base/5")));
        files.add(file);
        BackupManifest manifest = TestManifests.manifest(ID, 1, "0/3000100", "000000010000000000000003", files);
        Path pgdata = dir.resolve("pgdata" + ++restores);
        new FileRestorer(repository, new BackupChain(List.of(manifest)), pgdata, Map.of(), FileOwner.unchanged(),
                BackupProgress.NONE, Set.of()).restore(2);
        return pgdata;
    }

    private static String crc(byte[] content) {
        CRC32C crc = new CRC32C();
        crc.update(content);
        return Crc32c.hex((int) crc.getValue());
    }

    private static String flipped(String crc) {
        return Crc32c.hex(Crc32c.parse(crc) ^ 1);
    }
}
