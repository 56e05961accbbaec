package io.pgvault.core.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.pg.Lsn;
import io.pgvault.core.pg.TimelineId;
import io.pgvault.core.repo.BackupId;
import io.pgvault.core.repo.BackupType;
import io.pgvault.core.repo.Json;
import io.pgvault.core.stream.Codec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackupManifestTest {

    private static final String KEY = "main/backups/20261120T101500F/manifest.json";

    static BackupManifest full() {
        List<FileEntry> files = List.of(
                FileEntry.directory("base", 0700, 1_700_000_000_000L),
                FileEntry.directory("base/1", 0700, 1_700_000_000_001L),
                new FileEntry("base/1/1259", EntryKind.FILE, 90_112, 0600, 1_700_000_000_002L,
                        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                        null, List.of(new Chunk("data/b1.zst", 0, 4_321, 0, 90_112))),
                new FileEntry("base/1/16400", EntryKind.FILE, 3L * 1024 * 1024 * 1024, 0600, 1_700_000_000_003L,
                        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", null, List.of(
                        new Chunk("data/f1.zst", 0, 1_000_000, 0, 1L << 30),
                        new Chunk("data/f1.zst", 1_000_000, 2_000_000, 1L << 30, 1L << 30),
                        new Chunk("data/f2.zst", 0, 3_000_000, 2L << 30, 1L << 30))),
                new FileEntry("base/1/empty", EntryKind.FILE, 0, 0600, 1_700_000_000_004L,
                        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", null, List.of()),
                FileEntry.link("pg_tblspc/16500", "/srv/ts1", 1_700_000_000_005L),
                FileEntry.directory("pg_tblspc/16500/PG_15_202209061", 0700, 1_700_000_000_006L),
                FileEntry.directory("pg_wal", 0700, 1_700_000_000_007L));
        return new BackupManifest(BackupManifest.FORMAT, BackupId.parse("20261120T101500F"), BackupType.FULL, null,
                "main", "7312345678901234567", 150018, 16L * 1024 * 1024, TimelineId.of(1),
                Lsn.parse("0/2000028"), Lsn.parse("0/2000138"), "000000010000000000000002",
                "000000010000000000000002", Instant.parse("2026-11-20T10:15:00.123456Z"),
                Instant.parse("2026-11-20T10:16:30Z"),
                "START WAL LOCATION: 0/2000028 (file 000000010000000000000002)\nSTART TIMELINE: 1\n",
                null, Codec.ZSTD, 3, null, List.of(new TablespaceEntry(16500, "ts1", "/srv/ts1")), files,
                3L * 1024 * 1024 * 1024 + 90_112, 6_004_321, "0.1.0");
    }

    static byte[] write(BackupManifest m) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        m.write(out);
        return out.toByteArray();
    }

    static BackupManifest read(byte[] json) {
        return BackupManifest.read(new ByteArrayInputStream(json), KEY);
    }

    @Test
    void roundTripsEverything() throws IOException {
        BackupManifest m = full();
        BackupManifest back = read(write(m));
        assertThat(back).isEqualTo(m);
        assertThat(back.files()).hasSize(8);
        assertThat(back.files().get(3).chunks()).hasSize(3);
        assertThat(back.files().get(3).storedSize()).isEqualTo(6_000_000);
        assertThat(back.tablespaces()).containsExactly(new TablespaceEntry(16500, "ts1", "/srv/ts1"));
        assertThat(back.startTime()).isEqualTo(Instant.parse("2026-11-20T10:15:00.123456Z"));
    }

    @Test
    void aWholeFileCrc32cRoundTripsInFormatOneAndIsLeftOutWhenUnknown() throws IOException {
        BackupManifest m = full();
        List<FileEntry> files = new java.util.ArrayList<>(m.files());
        FileEntry f = files.get(2);
        files.set(2, new FileEntry(f.path(), f.kind(), f.size(), f.mode(), f.mtime(), f.sha256(), null, f.chunks(),
                List.of(), "0a1b2c3d"));
        BackupManifest withCrc = new BackupManifest(BackupManifest.formatFor(files), m.id(), m.type(), m.parent(),
                m.cluster(), m.systemIdentifier(), m.pgVersionNum(), m.walSegmentSize(), m.timeline(), m.startLsn(),
                m.stopLsn(), m.startWal(), m.stopWal(), m.startTime(), m.stopTime(), m.backupLabel(),
                m.tablespaceMap(), m.codec(), m.compressLevel(), m.encryption(), m.tablespaces(), files, m.dataSize(),
                m.repoSize(), m.pgvaultVersion());
        // a reader that does not know the field ignores it and checks the SHA-256: the format stays 1
        assertThat(withCrc.format()).isEqualTo(BackupManifest.FORMAT);
        BackupManifest back = read(write(withCrc));
        assertThat(back.files().get(2).crc32c()).isEqualTo("0a1b2c3d");
        assertThat(back.files().get(2).contentCrc32c()).isEqualTo("0a1b2c3d");
        assertThat(back.files().get(4).crc32c()).isNull();
        assertThat(new String(write(m), StandardCharsets.UTF_8)).doesNotContain("crc32c");
    }

    @Test
    void aHeaderIsTheManifestWithoutItsFileListWhichIsCounted() throws IOException {
        BackupManifest m = full();
        BackupHeader header = BackupManifest.readHeader(new ByteArrayInputStream(write(m)), KEY);
        assertThat(header.manifest()).isEqualTo(m.withoutFiles());
        assertThat(header.manifest().files()).isEmpty();
        assertThat(header.manifest().tablespaces()).isEqualTo(m.tablespaces());
        assertThat(header.files()).isEqualTo(3); // the regular files among 8 entries
        assertThat(BackupHeader.of(m)).isEqualTo(header);
        assertThatThrownBy(() -> new BackupHeader(m, 3)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aDamagedHeaderIsDamagedLikeTheManifest() throws IOException {
        byte[] json = write(full());
        byte[] cut = java.util.Arrays.copyOf(json, json.length - 200); // inside the file list, written last
        assertThatThrownBy(() -> BackupManifest.readHeader(new ByteArrayInputStream(cut), KEY))
                .isInstanceOf(PgVaultException.class).hasMessageContaining("manifest " + KEY + " is corrupt")
                .satisfies(e -> assertThat(((PgVaultException) e).code()).isEqualTo(ErrorCode.DAMAGED));
        String wrongFormat = new String(json, StandardCharsets.UTF_8).replace("\"format\" : 1", "\"format\" : 9");
        assertThatThrownBy(() -> BackupManifest.readHeader(new ByteArrayInputStream(
                wrongFormat.getBytes(StandardCharsets.UTF_8)), KEY)).hasMessageContaining("has format 9");
        assertThatThrownBy(() -> BackupManifest.readHeader(new ByteArrayInputStream(
                "{\"files\": [1]}".getBytes(StandardCharsets.UTF_8)), KEY)).isInstanceOf(PgVaultException.class);
    }

    @Test
    void nullsAreLeftOutAndReadBackAsNull() throws IOException {
        String json = new String(write(full()), StandardCharsets.UTF_8);
        assertThat(json).doesNotContain("\"parent\"").doesNotContain("\"tablespaceMap\"")
                .doesNotContain("\"encryption\"").doesNotContain("\"linkTarget\" : null");
        BackupManifest back = read(json.getBytes(StandardCharsets.UTF_8));
        assertThat(back.parent()).isNull();
        assertThat(back.tablespaceMap()).isNull();
        assertThat(back.encryption()).isNull();
        assertThat(back.files().get(0).sha256()).isNull();
        assertThat(back.files().get(0).linkTarget()).isNull();
    }

    @Test
    void incrementalWithParentTablespaceMapAndEncryption() throws IOException {
        BackupManifest f = full();
        BackupManifest incr = new BackupManifest(f.format(), BackupId.parse("20261121T000000I"), BackupType.INCREMENTAL,
                f.id(), f.cluster(), f.systemIdentifier(), f.pgVersionNum(), f.walSegmentSize(), TimelineId.of(2),
                Lsn.parse("1/A0000028"), Lsn.parse("1/A0000100"), "0000000200000001000000A0",
                "0000000200000001000000A0", f.startTime(), f.stopTime(), f.backupLabel(),
                "16500 /srv/ts1\n", Codec.LZ4, 0, "aes-256-gcm;kdf=argon2id", f.tablespaces(), f.files(),
                f.dataSize(), f.repoSize(), f.pgvaultVersion());
        BackupManifest back = read(write(incr));
        assertThat(back).isEqualTo(incr);
        assertThat(back.parent()).isEqualTo(f.id());
        assertThat(back.type()).isEqualTo(BackupType.INCREMENTAL);
        assertThat(back.codec()).isEqualTo(Codec.LZ4);
    }

    @Test
    void valueTypesUseTheirTextForms() throws IOException {
        String json = new String(write(full()), StandardCharsets.UTF_8);
        assertThat(json).contains("\"id\" : \"20261120T101500F\"")
                .contains("\"type\" : \"full\"")
                .contains("\"startLsn\" : \"0/2000028\"")
                .contains("\"timeline\" : 1")
                .contains("\"stopTime\" : \"2026-11-20T10:16:30Z\"");
    }

    @Test
    void missingListsBecomeEmpty() throws IOException {
        ObjectNode node = (ObjectNode) Json.mapper().readTree(write(full()));
        node.remove("files");
        node.remove("tablespaces");
        BackupManifest back = read(Json.mapper().writeValueAsBytes(node));
        assertThat(back.files()).isEmpty();
        assertThat(back.tablespaces()).isEmpty();
    }

    @Test
    void unknownFieldsAreToleratedForForwardCompatibility() throws IOException {
        ObjectNode node = (ObjectNode) Json.mapper().readTree(write(full()));
        node.put("bundleIndex", "data/index.json");
        assertThat(read(Json.mapper().writeValueAsBytes(node))).isEqualTo(full());
    }

    @Test
    void wrongFormatIsDamagedNamingKeyAndFormat() throws IOException {
        ObjectNode node = (ObjectNode) Json.mapper().readTree(write(full()));
        node.put("format", 3);
        byte[] json = Json.mapper().writeValueAsBytes(node);
        assertThatThrownBy(() -> read(json))
                .isInstanceOfSatisfying(PgVaultException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DAMAGED))
                .hasMessageContaining(KEY)
                .hasMessageContaining("format 3");
    }

    /** A file read in ranges and stored as page sets: the ranges' checksums, its page set, the parent's range. */
    private static FileEntry rangedPageSets() {
        BackupId parent = BackupId.parse("20261120T101500F");
        return new FileEntry("base/5/16384", EntryKind.FILE, 2 * 8192 * 4, 0600, 1_700_000_000_009L, null, null,
                List.of(new Chunk("data/f1.0.zst", 0, 900, 8192, 8192, null, "1"),
                        new Chunk("data/f1.zst", 0, 5000, 0, 65536, parent, null)),
                List.of(new RangeSum(0, 32768, "aa".repeat(32), "00112233"),
                        new RangeSum(32768, 32768, "bb".repeat(32), "44556677")));
    }

    @Test
    void rangeChecksumsNeedFormatTwoAndRoundTrip() throws IOException {
        BackupManifest m = full();
        assertThat(m.format()).isEqualTo(BackupManifest.formatFor(m.files())).isEqualTo(1);
        assertThat(new String(write(m), java.nio.charset.StandardCharsets.UTF_8)).doesNotContain("rangeSums");

        List<FileEntry> files = new java.util.ArrayList<>(m.files());
        files.add(rangedPageSets());
        assertThat(BackupManifest.formatFor(files)).isEqualTo(BackupManifest.FORMAT_RANGE_SUMS);
        BackupManifest ranged = new BackupManifest(BackupManifest.formatFor(files), m.id(), m.type(), null,
                m.cluster(), m.systemIdentifier(), m.pgVersionNum(), m.walSegmentSize(), m.timeline(), m.startLsn(),
                m.stopLsn(), m.startWal(), m.stopWal(), m.startTime(), m.stopTime(), m.backupLabel(),
                m.tablespaceMap(), m.codec(), m.compressLevel(), m.encryption(), m.tablespaces(), files, m.dataSize(),
                m.repoSize(), m.pgvaultVersion(), m.pageErrors(), m.dataChecksums(), m.walLogHints());
        BackupManifest back = read(write(ranged));
        assertThat(back).isEqualTo(ranged);
        FileEntry f = back.files().get(back.files().size() - 1);
        assertThat(f.ranged()).isTrue();
        assertThat(f.parts()).extracting(FileEntry::offsetInFile).containsExactly(0L, 32768L);
        // the first range holds the page set and the parent's range; the second only the parent's range
        assertThat(f.parts().get(0).chunks()).hasSize(2);
        assertThat(f.parts().get(1).chunks()).extracting(Chunk::object).containsExactly("data/f1.zst");
        assertThat(f.parts()).allSatisfy(p -> assertThat(p.needsComposing()).isTrue());

        // a file with a whole-file checksum as well as range checksums is no file pgvault writes
        ObjectNode both = (ObjectNode) Json.mapper().readTree(write(ranged));
        ((ObjectNode) both.withArray("files").get(files.size() - 1)).put("sha256", "cc".repeat(32));
        byte[] bothJson = Json.mapper().writeValueAsBytes(both);
        assertThatThrownBy(() -> read(bothJson)).isInstanceOf(PgVaultException.class)
                .hasMessageContaining("both a whole-file checksum and range checksums");

        // an older pgvault would read such a manifest as if the file were put together whole: format 1 is refused
        ObjectNode node = (ObjectNode) Json.mapper().readTree(write(ranged));
        node.put("format", 1);
        byte[] json = Json.mapper().writeValueAsBytes(node);
        assertThatThrownBy(() -> read(json))
                .isInstanceOfSatisfying(PgVaultException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DAMAGED))
                .hasMessageContaining("range checksums");
    }

    @Test
    void rangeChecksumsMustCoverTheFileContiguously() {
        RangeSum first = new RangeSum(0, 8192, "aa".repeat(32), "00112233");
        assertThatThrownBy(() -> new FileEntry("base/5/1", EntryKind.FILE, 24576, 0600, 0, null, null, List.of(),
                List.of(first, new RangeSum(16384, 8192, "bb".repeat(32), "44556677"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not contiguous");
        assertThatThrownBy(() -> new FileEntry("base/5/1", EntryKind.FILE, 24576, 0600, 0, null, null, List.of(),
                List.of(first))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cover 8192 of");
    }

    @Test
    void missingFormatIsDamaged() throws IOException {
        ObjectNode node = (ObjectNode) Json.mapper().readTree(write(full()));
        node.remove("format");
        byte[] json = Json.mapper().writeValueAsBytes(node);
        assertDamaged(json);
    }

    @Test
    void truncatedManifestIsDamaged() throws IOException {
        byte[] json = write(full());
        for (int len : new int[] {0, 1, json.length / 3, json.length / 2, json.length - 2}) {
            assertDamaged(Arrays.copyOf(json, len));
        }
    }

    @Test
    void garbageIsDamaged() {
        assertDamaged("not json at all".getBytes(StandardCharsets.UTF_8));
        assertDamaged("[]".getBytes(StandardCharsets.UTF_8));
        assertDamaged("{}".getBytes(StandardCharsets.UTF_8));
        assertDamaged(new byte[] {(byte) 0x28, (byte) 0xB5, (byte) 0x2F, (byte) 0xFD, 0, 0});
    }

    @Test
    void corruptedValuesAreDamaged() throws IOException {
        String json = new String(write(full()), StandardCharsets.UTF_8);
        assertDamaged(json.replace("\"0/2000028\"", "\"0/200002Z\""));
        assertDamaged(json.replace("\"20261120T101500F\"", "\"yesterday\""));
        assertDamaged(json.replace("\"type\" : \"full\"", "\"type\" : \"weekly\""));
        assertDamaged(json.replace("\"timeline\" : 1", "\"timeline\" : 0"));
        assertDamaged(json.replace("\"2026-11-20T10:16:30Z\"", "\"sometime\""));
        assertDamaged(json.replace("\"stopTime\"", "\"stopTimeX\""));
    }

    @Test
    void unsafePathsInFilesAreDamaged() throws IOException {
        String json = new String(write(full()), StandardCharsets.UTF_8);
        assertDamaged(json.replace("\"path\" : \"base/1/1259\"", "\"path\" : \"../../etc/passwd\""));
        assertDamaged(json.replace("\"path\" : \"base/1/1259\"", "\"path\" : \"/etc/passwd\""));
        assertDamaged(json.replace("\"path\" : \"base/1/1259\"", "\"path\" : \"base/../../x\""));
        assertDamaged(json.replace("\"path\" : \"base/1/1259\"", "\"path\" : \"base\\\\..\\\\x\""));
    }

    @Test
    void negativeChunkPositionsAreDamaged() throws IOException {
        String json = new String(write(full()), StandardCharsets.UTF_8);
        assertThat(json).contains("\"length\" : 4321");
        assertDamaged(json.replace("\"length\" : 4321", "\"length\" : -4321"));
    }

    @Test
    void fileEntryRefusesUnsafePaths() {
        for (String bad : List.of("/abs", "a/../b", "..", "a\\b")) {
            assertThatThrownBy(() -> FileEntry.directory(bad, 0700, 0))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(bad);
        }
        assertThat(FileEntry.directory("a..b/..c", 0700, 0).path()).isEqualTo("a..b/..c");
    }

    @Test
    void chunkRefusesNegativePositions() {
        assertThatThrownBy(() -> new Chunk("data/b1.zst", -1, 1, 0, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("data/b1.zst");
        assertThatThrownBy(() -> new Chunk("data/b1.zst", 0, 1, -1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Chunk("data/b1.zst", 0, 1, 0, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void listsAreCopiedAndImmutable() {
        BackupManifest m = full();
        assertThatThrownBy(() -> m.files().add(FileEntry.directory("x", 0700, 0)))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> m.files().get(3).chunks().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    private static void assertDamaged(String json) {
        assertDamaged(json.getBytes(StandardCharsets.UTF_8));
    }

    private static void assertDamaged(byte[] json) {
        assertThatThrownBy(() -> read(json))
                .isInstanceOfSatisfying(PgVaultException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DAMAGED))
                .hasMessageContaining(KEY);
    }

    @Test
    void incrementalChunksRoundTripAndFullChunksStayAsBefore() throws IOException {
        BackupId fullId = BackupId.parse("20261120T101500F");
        FileEntry f = new FileEntry("base/1/16400", EntryKind.FILE, 10 * 8192, 0600, 1_700_000_000_003L,
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", null, List.of(
                new Chunk("data/b1.zst", 10, 99, 3 * 8192, 3 * 8192, null, "3-4,9"),
                new Chunk("data/f1.zst", 0, 1_000, 0, 10 * 8192, fullId, null)));
        BackupManifest m = full();
        BackupManifest incr = new BackupManifest(m.format(), BackupId.parse("20261121T101500I"),
                BackupType.INCREMENTAL, fullId, m.cluster(), m.systemIdentifier(), m.pgVersionNum(),
                m.walSegmentSize(), m.timeline(), m.startLsn(), m.stopLsn(), m.startWal(), m.stopWal(), m.startTime(),
                m.stopTime(), m.backupLabel(), null, m.codec(), m.compressLevel(), null, List.of(), List.of(f), 0, 99,
                "0.1.0");
        BackupManifest back = read(write(incr));
        assertThat(back).isEqualTo(incr);
        assertThat(back.files().get(0).needsComposing()).isTrue();
        assertThat(back.files().get(0).storedSize()).isEqualTo(99);
        assertThat(BlockRanges.parse(back.files().get(0).chunks().get(0).blocks()).stream().boxed().toList())
                .containsExactly(3, 4, 9);
        String json = new String(write(full()), StandardCharsets.UTF_8);
        assertThat(json).doesNotContain("\"blocks\"").doesNotContain("\"backup\"");
        assertThat(full().files().get(2).needsComposing()).isFalse();
        assertThatThrownBy(() -> new Chunk("x", 0, 1, 0, 1, null, "5,3")).isInstanceOf(IllegalArgumentException.class);
        BlockRanges.Builder b = new BlockRanges.Builder();
        for (long block : new long[] {0, 1, 2, 7, 9, 10}) {
            b.add(block);
        }
        assertThat(b.build()).isEqualTo("0-2,7,9-10");
    }
}
