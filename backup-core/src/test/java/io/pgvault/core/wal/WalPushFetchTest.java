package io.pgvault.core.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.repo.ClusterInfo;
import io.pgvault.core.repo.Repository;
import io.pgvault.core.repo.WalObjectFormat;
import io.pgvault.core.stream.Codec;
import io.pgvault.core.stream.Sha256;
import io.pgvault.storage.InMemoryStorage;
import io.pgvault.storage.ObjectInfo;
import io.pgvault.storage.ObjectWriter;
import io.pgvault.storage.WriteMode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class WalPushFetchTest {

    private static final int SEGMENT_SIZE = 1024 * 1024;
    private static final long SYSID = 7_312_345_678_901_234_567L;
    private static final String SEG1 = "000000010000000000000001";
    private static final String KEY1 = "main/wal/0000000100000000/" + SEG1;

    @TempDir
    Path pgWal;

    @TempDir
    Path restoreDir;

    private final InMemoryStorage storage = new InMemoryStorage();
    private final Repository repo = new Repository(storage, "main");

    @BeforeEach
    void initCluster() {
        assertThat(repo.createClusterInfo(new ClusterInfo(ClusterInfo.FORMAT, "main", Long.toUnsignedString(SYSID),
                150018, SEGMENT_SIZE, Instant.parse("2026-11-20T09:00:00Z"), null))).isTrue();
    }

    /** A 1 MiB segment: a long page header naming the cluster, then page-like content. */
    static byte[] segment(long sysid, long seed) {
        byte[] data = new byte[SEGMENT_SIZE];
        Random r = new Random(seed);
        for (int page = 0; page < SEGMENT_SIZE / 8192; page++) {
            int used = r.nextInt(8192);
            byte[] record = new byte[used];
            r.nextBytes(record);
            for (int i = 0; i < used; i += 2) {
                record[i] = 0; // roughly half-compressible, like real WAL
            }
            System.arraycopy(record, 0, data, page * 8192, used);
        }
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        Arrays.fill(data, 0, 40, (byte) 0);
        b.putShort(0, (short) 0xD110);
        b.putShort(2, (short) 0x0002);
        b.putInt(4, 1);
        b.putLong(8, SEGMENT_SIZE);
        b.putLong(24, sysid);
        b.putInt(32, SEGMENT_SIZE);
        b.putInt(36, 8192);
        return data;
    }

    private Path writeFile(Path dir, String name, byte[] content) throws IOException {
        Files.createDirectories(dir);
        return Files.write(dir.resolve(name), content);
    }

    private List<String> keys() {
        try (Stream<ObjectInfo> s = storage.list("main/wal/")) {
            return s.map(ObjectInfo::key).collect(Collectors.toList());
        }
    }

    private byte[] stored(String key) throws IOException {
        try (InputStream in = storage.read(key)) {
            return in.readAllBytes();
        }
    }

    private void overwrite(String key, byte[] content) {
        try (ObjectWriter w = storage.write(key, WriteMode.OVERWRITE)) {
            w.write(content);
            w.commit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void assertCode(Throwable e, ErrorCode code) {
        assertThat(e).isInstanceOf(PgVaultException.class);
        assertThat(((PgVaultException) e).code()).isEqualTo(code);
    }

    @ParameterizedTest
    @EnumSource(Codec.class)
    void pushThenFetchIsByteIdentical(Codec codec) throws IOException {
        byte[] content = segment(SYSID, 1);
        Path file = writeFile(pgWal, SEG1, content);

        assertThat(new WalPushService(repo, codec, 0).push(file)).isEqualTo(WalPushResult.ARCHIVED);

        String key = KEY1 + "." + codec.extension();
        assertThat(keys()).containsExactly(key);
        WalObjectFormat.Header header = WalObjectFormat.read(storage.read(key), key);
        assertThat(header.codec()).isEqualTo(codec);
        assertThat(header.originalSize()).isEqualTo(SEGMENT_SIZE);
        assertThat(header.sha256Hex()).isEqualTo(Sha256.of(content));
        if (codec != Codec.NONE) {
            assertThat(stored(key).length).isLessThan(SEGMENT_SIZE);
        }

        Path dest = restoreDir.resolve("RECOVERYXLOG");
        new WalFetchService(repo).fetch(SEG1, dest);
        assertThat(Files.readAllBytes(dest)).isEqualTo(content);
        try (Stream<Path> files = Files.list(restoreDir)) {
            assertThat(files).containsExactly(dest); // no temporary file left behind
        }
    }

    @Test
    void fetchReplacesAnExistingDestination() throws IOException {
        byte[] content = segment(SYSID, 2);
        new WalPushService(repo, Codec.ZSTD, 0).push(writeFile(pgWal, SEG1, content));
        Path dest = writeFile(restoreDir, "RECOVERYXLOG", "stale".getBytes(StandardCharsets.UTF_8));
        new WalFetchService(repo).fetch(SEG1, dest);
        assertThat(Files.readAllBytes(dest)).isEqualTo(content);
    }

    @Test
    void pushingTheSameFileAgainIsAlreadyArchived() throws IOException {
        byte[] content = segment(SYSID, 3);
        Path file = writeFile(pgWal, SEG1, content);
        assertThat(new WalPushService(repo, Codec.ZSTD, 0).push(file)).isEqualTo(WalPushResult.ARCHIVED);
        byte[] before = stored(KEY1 + ".zst");

        assertThat(new WalPushService(repo, Codec.ZSTD, 0).push(file)).isEqualTo(WalPushResult.ALREADY_ARCHIVED);
        // also with another codec configured: the archived copy counts, no second object
        assertThat(new WalPushService(repo, Codec.LZ4, 0).push(file)).isEqualTo(WalPushResult.ALREADY_ARCHIVED);

        assertThat(keys()).containsExactly(KEY1 + ".zst");
        assertThat(stored(KEY1 + ".zst")).isEqualTo(before);
    }

    @Test
    void pushingDifferentContentUnderTheSameNameIsAConflict() throws IOException {
        new WalPushService(repo, Codec.ZSTD, 0).push(writeFile(pgWal, SEG1, segment(SYSID, 4)));
        byte[] before = stored(KEY1 + ".zst");
        Path other = writeFile(pgWal.resolve("other"), SEG1, segment(SYSID, 5));

        assertThatThrownBy(() -> new WalPushService(repo, Codec.ZSTD, 0).push(other))
                .satisfies(e -> assertCode(e, ErrorCode.WAL_CONFLICT))
                .hasMessageContaining(SEG1)
                .hasMessageContaining("'main'");
        assertThatThrownBy(() -> new WalPushService(repo, Codec.GZIP, 0).push(other))
                .satisfies(e -> assertCode(e, ErrorCode.WAL_CONFLICT));

        assertThat(keys()).containsExactly(KEY1 + ".zst");
        assertThat(stored(KEY1 + ".zst")).isEqualTo(before);
    }

    @Test
    void walOfAnotherClusterIsRefusedAndNothingWritten() throws IOException {
        Path file = writeFile(pgWal, SEG1, segment(SYSID + 1, 6));
        assertThatThrownBy(() -> new WalPushService(repo, Codec.ZSTD, 0).push(file))
                .satisfies(e -> assertCode(e, ErrorCode.WRONG_CLUSTER))
                .hasMessageContaining(Long.toUnsignedString(SYSID + 1))
                .hasMessageContaining(Long.toUnsignedString(SYSID));
        assertThat(keys()).isEmpty();
    }

    @Test
    void systemIdentifierIsComparedUnsigned() throws IOException {
        long bigSysid = 0xF234_5678_9ABC_DEF0L;   // negative as a Java long
        Repository big = new Repository(storage, "big");
        big.createClusterInfo(new ClusterInfo(ClusterInfo.FORMAT, "big", Long.toUnsignedString(bigSysid), 150018,
                SEGMENT_SIZE, Instant.now(), null));
        Path file = writeFile(pgWal, SEG1, segment(bigSysid, 7));
        assertThat(new WalPushService(big, Codec.ZSTD, 0).push(file)).isEqualTo(WalPushResult.ARCHIVED);
    }

    @Test
    void partialSegmentOfAnotherClusterIsRefused() throws IOException {
        Path file = writeFile(pgWal, SEG1 + ".partial", Arrays.copyOf(segment(SYSID + 1, 8), 8192));
        assertThatThrownBy(() -> new WalPushService(repo, Codec.ZSTD, 0).push(file))
                .satisfies(e -> assertCode(e, ErrorCode.WRONG_CLUSTER));
        assertThat(keys()).isEmpty();
    }

    @Test
    void segmentOfTheWrongSizeIsRefused() throws IOException {
        for (int size : new int[] {0, 40, SEGMENT_SIZE - 1, SEGMENT_SIZE + 1, 16 * SEGMENT_SIZE}) {
            byte[] content = Arrays.copyOf(segment(SYSID, 9), size);
            Path file = writeFile(pgWal.resolve("s" + size), SEG1, content);
            assertThatThrownBy(() -> new WalPushService(repo, Codec.ZSTD, 0).push(file))
                    .satisfies(e -> assertCode(e, ErrorCode.REFUSED))
                    .hasMessageContaining(SEG1)
                    .hasMessageContaining(Integer.toString(SEGMENT_SIZE));
        }
        assertThat(keys()).isEmpty();
    }

    @Test
    void partialSegmentRoundTrips() throws IOException {
        byte[] content = Arrays.copyOf(segment(SYSID, 10), 3 * 8192);
        Path file = writeFile(pgWal, SEG1 + ".partial", content);
        assertThat(new WalPushService(repo, Codec.ZSTD, 0).push(file)).isEqualTo(WalPushResult.ARCHIVED);
        assertThat(keys()).containsExactly(KEY1 + ".partial.zst");

        // without the whole segment, its name is served from the .partial, padded with zeros (WAL streaming)
        Path padded = restoreDir.resolve("x");
        new WalFetchService(repo).fetch(SEG1, padded);
        assertThat(Files.size(padded)).isEqualTo(SEGMENT_SIZE);
        Path dest = restoreDir.resolve("p");
        new WalFetchService(repo).fetch(SEG1 + ".partial", dest);
        assertThat(Files.readAllBytes(dest)).isEqualTo(content);
    }

    @Test
    void historyFileRoundTrips() throws IOException {
        byte[] history = "1\t0/3000158\tno recovery target specified\n".getBytes(StandardCharsets.UTF_8);
        Path file = writeFile(pgWal, "00000002.history", history);
        assertThat(new WalPushService(repo, Codec.GZIP, 0).push(file)).isEqualTo(WalPushResult.ARCHIVED);
        assertThat(keys()).containsExactly("main/wal/00000002.history.gz");
        assertThat(new WalPushService(repo, Codec.GZIP, 0).push(file)).isEqualTo(WalPushResult.ALREADY_ARCHIVED);

        Path dest = restoreDir.resolve("RECOVERYHISTORY");
        new WalFetchService(repo).fetch("00000002.history", dest);
        assertThat(Files.readAllBytes(dest)).isEqualTo(history);
        assertThatThrownBy(() -> new WalFetchService(repo).fetch("00000003.history", restoreDir.resolve("h3")))
                .satisfies(e -> assertCode(e, ErrorCode.WAL_NOT_IN_ARCHIVE));
    }

    @Test
    void backupHistoryFileRoundTrips() throws IOException {
        byte[] content = "START WAL LOCATION: 0/2000028 (file 000000010000000000000002)\n"
                .getBytes(StandardCharsets.UTF_8);
        String name = "000000010000000000000002.00000028.backup";
        new WalPushService(repo, Codec.ZSTD, 0).push(writeFile(pgWal, name, content));
        assertThat(keys()).containsExactly("main/wal/0000000100000000/" + name + ".zst");
        Path dest = restoreDir.resolve("b");
        new WalFetchService(repo).fetch(name, dest);
        assertThat(Files.readAllBytes(dest)).isEqualTo(content);
    }

    @Test
    void fetchOfAMissingFileIsNotInArchive() {
        Path dest = restoreDir.resolve("RECOVERYXLOG");
        assertThatThrownBy(() -> new WalFetchService(repo).fetch("00000001000000000000000A", dest))
                .satisfies(e -> assertCode(e, ErrorCode.WAL_NOT_IN_ARCHIVE))
                .hasMessageContaining("00000001000000000000000A");
        assertThat(dest).doesNotExist();
        assertThat(ErrorCode.WAL_NOT_IN_ARCHIVE.exitCode()).isEqualTo(1);
    }

    @Test
    void fetchOfHostileNamesIsUsageAndWritesNothing() throws IOException {
        for (String name : List.of("../x", "00000001000000000000000A/../../etc", "../../../etc/passwd",
                "/etc/passwd", "", "00000001000000000000000a", "00000002.history/../x")) {
            Path dest = restoreDir.resolve("RECOVERYXLOG");
            assertThatThrownBy(() -> new WalFetchService(repo).fetch(name, dest))
                    .as(name).satisfies(e -> assertCode(e, ErrorCode.USAGE))
                    .hasMessageContaining("restore_command");
        }
        try (Stream<Path> files = Files.list(restoreDir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void pushOfHostileNamesIsUsageAndWritesNothing() throws IOException {
        Path wal = pgWal.resolve("pg_wal");
        writeFile(pgWal, "x", segment(SYSID, 11));   // a real file the hostile name would reach
        Files.createDirectories(wal.resolve("00000001000000000000000A"));
        for (Path file : List.of(wal.resolve("../x"), wal.resolve("00000001000000000000000A/../../x"),
                wal.resolve("00000001000000000000000A/.."), wal.resolve("RECOVERYXLOG"))) {
            assertThatThrownBy(() -> new WalPushService(repo, Codec.ZSTD, 0).push(file))
                    .as(file.toString()).satisfies(e -> assertCode(e, ErrorCode.USAGE))
                    .hasMessageContaining("archive_command");
        }
        assertThat(keys()).isEmpty();
    }

    @Test
    void pushOfAMissingFileIsLocalIo() {
        assertThatThrownBy(() -> new WalPushService(repo, Codec.ZSTD, 0).push(pgWal.resolve(SEG1)))
                .satisfies(e -> assertCode(e, ErrorCode.LOCAL_IO))
                .hasMessageContaining(SEG1);
        assertThat(keys()).isEmpty();
    }

    @Test
    void pushToAnUninitializedClusterIsNotFound() throws IOException {
        Path file = writeFile(pgWal, SEG1, segment(SYSID, 12));
        Repository fresh = new Repository(storage, "other");
        assertThatThrownBy(() -> new WalPushService(fresh, Codec.ZSTD, 0).push(file))
                .satisfies(e -> assertCode(e, ErrorCode.NOT_FOUND))
                .hasMessageContaining("'other'");
        assertThat(keys()).isEmpty();
    }

    @Test
    void invalidCompressionLevelIsRefusedUpFront() {
        assertThatThrownBy(() -> new WalPushService(repo, Codec.ZSTD, 42))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new WalPushService(repo, Codec.LZ4, 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** Flips bytes at a few places of the stored object; every codec must notice and leave nothing behind. */
    @ParameterizedTest
    @EnumSource(Codec.class)
    void damagedObjectFailsFetchAndLeavesNoFile(Codec codec) throws IOException {
        byte[] content = segment(SYSID, 13);
        new WalPushService(repo, codec, 0).push(writeFile(pgWal, SEG1, content));
        String key = KEY1 + "." + codec.extension();
        byte[] good = stored(key);
        int[] positions = {
            30,                                          // inside the header's SHA-256
            WalObjectFormat.HEADER_LENGTH + good.length / 3,
            WalObjectFormat.HEADER_LENGTH + (good.length - WalObjectFormat.HEADER_LENGTH) / 2,
            good.length - 5                              // near the end of the frame
        };
        for (int pos : positions) {
            byte[] bad = good.clone();
            bad[pos] ^= (byte) 0x5A;
            bad[pos + 1] ^= (byte) 0xA5;
            overwrite(key, bad);
            Path dest = restoreDir.resolve("RECOVERYXLOG");
            assertThatThrownBy(() -> new WalFetchService(repo).fetch(SEG1, dest))
                    .as("%s flipped at %d", codec, pos)
                    .satisfies(e -> assertCode(e, ErrorCode.DAMAGED))
                    .hasMessageContaining(key);
            try (Stream<Path> files = Files.list(restoreDir)) {
                assertThat(files).as("%s flipped at %d", codec, pos).isEmpty();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Codec.class)
    void truncatedObjectFailsFetch(Codec codec) throws IOException {
        new WalPushService(repo, codec, 0).push(writeFile(pgWal, SEG1, segment(SYSID, 14)));
        String key = KEY1 + "." + codec.extension();
        byte[] good = stored(key);
        for (int len : new int[] {10, WalObjectFormat.HEADER_LENGTH, good.length / 2, good.length - 1}) {
            overwrite(key, Arrays.copyOf(good, len));
            Path dest = restoreDir.resolve("RECOVERYXLOG");
            assertThatThrownBy(() -> new WalFetchService(repo).fetch(SEG1, dest))
                    .as("%s cut to %d", codec, len)
                    .satisfies(e -> assertCode(e, ErrorCode.DAMAGED));
            assertThat(dest).doesNotExist();
            assertThat(restoreDir.resolve("RECOVERYXLOG.pgvault-tmp")).doesNotExist();
        }
    }

    @Test
    void damagedObjectDoesNotReplaceAnExistingDestination() throws IOException {
        new WalPushService(repo, Codec.NONE, 0).push(writeFile(pgWal, SEG1, segment(SYSID, 15)));
        String key = KEY1 + ".raw";
        byte[] bad = stored(key);
        bad[bad.length / 2] ^= 1;
        overwrite(key, bad);
        Path dest = writeFile(restoreDir, "RECOVERYXLOG", "previous".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> new WalFetchService(repo).fetch(SEG1, dest))
                .satisfies(e -> assertCode(e, ErrorCode.DAMAGED));
        assertThat(Files.readString(dest)).isEqualTo("previous");
    }

    @Test
    void aDamagedArchivedObjectMakesAPushConflictNotAnOverwrite() throws IOException {
        byte[] content = segment(SYSID, 16);
        Path file = writeFile(pgWal, SEG1, content);
        new WalPushService(repo, Codec.ZSTD, 0).push(file);
        byte[] bad = stored(KEY1 + ".zst");
        bad[40] ^= 1;   // the header's SHA-256
        overwrite(KEY1 + ".zst", bad);
        assertThatThrownBy(() -> new WalPushService(repo, Codec.ZSTD, 0).push(file))
                .satisfies(e -> assertCode(e, ErrorCode.WAL_CONFLICT));
        assertThat(stored(KEY1 + ".zst")).isEqualTo(bad);
    }

    // ---- streamed .partial segments ----

    @Test
    void aGrowingPartialIsOverwrittenAndServedPaddedToASegmentWhileTheSegmentIsAbsent() throws IOException {
        byte[] whole = segment(SYSID, 7);
        WalPushService push = new WalPushService(repo, Codec.ZSTD, 0);
        push.pushPartial(writeFile(pgWal, SEG1 + ".partial", Arrays.copyOf(whole, 100_000)));
        push.pushPartial(writeFile(pgWal, SEG1 + ".partial", Arrays.copyOf(whole, 300_000)));
        assertThat(keys()).containsExactly(KEY1 + ".partial.zst");

        Path dest = restoreDir.resolve("RECOVERYXLOG");
        new WalFetchService(repo).fetch(SEG1, dest);
        byte[] served = Files.readAllBytes(dest);
        assertThat(served).hasSize(SEGMENT_SIZE);
        assertThat(Arrays.copyOf(served, 300_000)).isEqualTo(Arrays.copyOf(whole, 300_000));
        assertThat(Arrays.copyOfRange(served, 300_000, SEGMENT_SIZE)).containsOnly((byte) 0);
        try (Stream<Path> files = Files.list(restoreDir)) {
            assertThat(files).containsExactly(dest);
        }
    }

    @Test
    void theWholeSegmentWinsOverItsPartialAndRemovingThePartialLeavesTheSegment() throws IOException {
        byte[] whole = segment(SYSID, 8);
        WalPushService push = new WalPushService(repo, Codec.LZ4, 0);
        push.pushPartial(writeFile(pgWal, SEG1 + ".partial", Arrays.copyOf(whole, 5000)));
        assertThat(push.push(writeFile(pgWal, SEG1, whole))).isEqualTo(WalPushResult.ARCHIVED);
        Path dest = restoreDir.resolve("RECOVERYXLOG");
        new WalFetchService(repo).fetch(SEG1, dest);
        assertThat(Files.readAllBytes(dest)).isEqualTo(whole);

        push.removePartial(SEG1);
        push.removePartial(SEG1); // nothing left: fine
        assertThat(keys()).containsExactly(KEY1 + ".lz4");
    }

    @Test
    void aPartialIsNotServedForItsOwnNameOfAnotherSegmentAndAPartialOfAnotherClusterIsRefused() throws IOException {
        new WalPushService(repo, Codec.ZSTD, 0).pushPartial(writeFile(pgWal, SEG1 + ".partial",
                Arrays.copyOf(segment(SYSID, 9), 9000)));
        assertThatThrownBy(() -> new WalFetchService(repo).fetch("000000010000000000000002",
                restoreDir.resolve("x"))).satisfies(e -> assertCode(e, ErrorCode.WAL_NOT_IN_ARCHIVE));
        Path foreign = writeFile(pgWal, "000000010000000000000002.partial", Arrays.copyOf(segment(SYSID + 1, 9), 9000));
        assertThatThrownBy(() -> new WalPushService(repo, Codec.ZSTD, 0).pushPartial(foreign))
                .satisfies(e -> assertCode(e, ErrorCode.WRONG_CLUSTER));
        assertThatThrownBy(() -> new WalPushService(repo, Codec.ZSTD, 0).pushPartial(writeFile(pgWal, SEG1,
                segment(SYSID, 9)))).isInstanceOf(IllegalArgumentException.class);
    }
}
