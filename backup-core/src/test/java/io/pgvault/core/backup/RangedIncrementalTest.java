package io.pgvault.core.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.manifest.BlockRanges;
import io.pgvault.core.manifest.Chunk;
import io.pgvault.core.manifest.FileEntry;
import io.pgvault.core.pg.PgConnectionSettings;
import io.pgvault.core.repo.BackupChain;
import io.pgvault.core.repo.BackupObjectReader;
import io.pgvault.core.repo.BackupType;
import io.pgvault.core.repo.Repository;
import io.pgvault.core.stream.Codec;
import io.pgvault.core.testing.ArchivingCluster;
import io.pgvault.core.testing.PgTestCluster;
import io.pgvault.core.verify.VerifyReport;
import io.pgvault.core.verify.VerifyService;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Incremental backups that read a large relation file in ranges on parallel workers and store each range's changed
 * pages: a 1 MiB range size over a table of about 4 MiB, rows updated in place on known blocks of different ranges,
 * a chain of three backups. Each range must hold exactly its changed pages, carry the checksums of its bytes, and
 * put together (from its own page set and the parents' chunks) the bytes the server's file holds; a range without
 * changed pages takes its parent's checksums, and a page corrupt on disk is stored as read.
 */
@Tag("integration")
class RangedIncrementalTest {

    private static final long MIB = 1024 * 1024;
    private static final int BLOCKS_PER_RANGE = (int) (MIB / 8192);

    private static ArchivingCluster cluster;
    private static PgTestCluster pg;
    private static Repository repository;

    @BeforeAll
    static void start() throws Exception {
        cluster = ArchivingCluster.start("pgvault-ranged-incr-");
        pg = cluster.pg();
        repository = cluster.repository();
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static PgConnectionSettings connection() {
        return cluster.connection();
    }

    private static BackupManifest backup(BackupType type, long rangeSize) {
        return new BackupService(repository).run(new BackupSettings(pg.pgdata(), connection(), type, 2, Codec.ZSTD,
                0, Duration.ofSeconds(60), BackupSettings.DEFAULT_BUNDLE_LIMIT, Duration.ZERO, false, rangeSize,
                true), BackupProgress.NONE);
    }

    private static FileEntry entry(BackupManifest m, String path) {
        return m.files().stream().filter(f -> f.path().equals(path)).findFirst().orElseThrow();
    }

    /** Updates every row of the given blocks in place (fillfactor 50 leaves room for HOT updates on the page). */
    private static void touch(String table, int... blocks) throws Exception {
        for (int b : blocks) {
            pg.execute("UPDATE " + table + " SET pad = repeat('y', 200) WHERE ctid >= '(" + b + ",0)' AND ctid < '("
                    + (b + 1) + ",0)'");
        }
        pg.execute("CHECKPOINT");
    }

    private static BitSet ownBlocks(FileEntry f) {
        BitSet blocks = new BitSet();
        f.chunks().stream().filter(c -> c.backup() == null).forEach(c -> blocks.or(BlockRanges.parse(c.blocks())));
        return blocks;
    }

    private static BitSet blocks(int... numbers) {
        BitSet set = new BitSet();
        for (int n : numbers) {
            set.set(n);
        }
        return set;
    }

    /** Every range of the file, put together from the chain, equals the server's file at that place. */
    private static void assertComposesToServerFile(BackupManifest m, FileEntry f) throws Exception {
        BackupObjectReader reader = new BackupObjectReader(repository, BackupChain.of(repository, m));
        try (RandomAccessFile onDisk = new RandomAccessFile(pg.pgdata().resolve(f.path()).toFile(), "r")) {
            assertThat(onDisk.length()).isEqualTo(f.size());
            for (FileEntry part : f.parts()) {
                byte[] expected = new byte[(int) part.size()];
                onDisk.seek(part.offsetInFile());
                onDisk.readFully(expected);
                byte[] composed;
                try (InputStream in = reader.openComposed(part)) {
                    composed = in.readAllBytes();
                }
                assertThat(composed).as("range at %d of %s", part.offsetInFile(), f.path()).isEqualTo(expected);
            }
        }
    }

    @Test
    void storesEachRangesChangedPagesAndComposesAlongTheChain() throws Exception {
        pg.execute("CREATE TABLE big (id int PRIMARY KEY, pad text) WITH (fillfactor = 50)",
                "INSERT INTO big SELECT g, repeat('x', 200) FROM generate_series(1, 10000) g",
                "VACUUM FREEZE", "CHECKPOINT");
        String big = pg.queryString("SELECT pg_relation_filepath('big')");
        long bigSize = pg.queryLong("SELECT pg_relation_size('big')");
        assertThat(bigSize).isGreaterThan(3 * MIB);
        Thread.sleep(2500); // untouched files must be older than the full backup's start minus the 2 s margin

        BackupManifest full = backup(BackupType.FULL, MIB);
        FileEntry bigFull = entry(full, big);
        assertThat(bigFull.ranged()).isTrue();
        assertThat(bigFull.chunks()).hasSize((int) ((bigSize + MIB - 1) / MIB));

        touch("big", 5, 130, 300);
        BackupManifest incr = backup(BackupType.INCREMENTAL, MIB);
        FileEntry bigIncr = entry(incr, big);
        assertThat(bigIncr.ranged()).as("read in ranges").isTrue();
        assertThat(bigIncr.sha256()).isNull();
        int ranges = (int) ((bigSize + MIB - 1) / MIB);
        assertThat(bigIncr.rangeSums()).hasSize(ranges)
                .allSatisfy(r -> assertThat(r.offset() % MIB).isZero());
        assertThat(ownBlocks(bigIncr)).isEqualTo(blocks(5, 130, 300));
        // one page set per range that changed, each within its range; the full backup's ranges hold the rest
        List<Chunk> own = bigIncr.chunks().stream().filter(c -> c.backup() == null).toList();
        assertThat(own).hasSize(3).allSatisfy(c -> {
            BitSet b = BlockRanges.parse(c.blocks());
            assertThat(b.nextSetBit(0) / BLOCKS_PER_RANGE).isEqualTo((b.length() - 1) / BLOCKS_PER_RANGE);
        });
        assertThat(bigIncr.chunks()).filteredOn(c -> c.backup() != null)
                .allSatisfy(c -> assertThat(c.backup()).isEqualTo(full.id())).hasSize(bigFull.chunks().size());
        // an untouched range has the full backup's checksums
        assertThat(bigIncr.sums().get(3)).isEqualTo(bigFull.sums().get(3));
        assertThat(bigIncr.sums().get(0)).isNotEqualTo(bigFull.sums().get(0));
        assertThat(repository.backup(incr.id()).files()).as("range checksums survive the manifest's JSON")
                .contains(bigIncr);
        assertComposesToServerFile(incr, bigIncr);

        // a third backup on top: new page sets for blocks 6 and 400, the incremental's for 5, 130 and 300
        touch("big", 6, 400);
        BackupManifest incr2 = backup(BackupType.INCREMENTAL, MIB);
        FileEntry bigIncr2 = entry(incr2, big);
        assertThat(bigIncr2.rangeSums()).hasSize(ranges);
        assertThat(ownBlocks(bigIncr2)).isEqualTo(blocks(6, 400));
        assertThat(bigIncr2.chunks()).extracting(Chunk::backup).contains(incr.id(), full.id());
        assertComposesToServerFile(incr2, bigIncr2);

        // a range whose pages are all older than the parent's start has the parent's checksums, taken over unread
        assertThat(bigIncr2.sums().get(1)).isEqualTo(bigIncr.sums().get(1));
        assertThat(bigIncr2.sums().get(0)).isNotEqualTo(bigIncr.sums().get(0));

        // a page of that range goes bad on disk, its LSN untouched: it is stored as read, with the range's
        // checksums taken anew, so the backup restores what the server's file holds and reports the page
        int corrupt = BLOCKS_PER_RANGE + 70;
        try (RandomAccessFile onDisk = new RandomAccessFile(pg.pgdata().resolve(big).toFile(), "rw")) {
            onDisk.seek(corrupt * 8192L + 4000);
            onDisk.write(new byte[] {(byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef});
        }
        BackupManifest incr3 = backup(BackupType.INCREMENTAL, MIB);
        FileEntry bigIncr3 = entry(incr3, big);
        assertThat(ownBlocks(bigIncr3)).isEqualTo(blocks(corrupt));
        assertThat(bigIncr3.sums().get(1)).isNotEqualTo(bigIncr2.sums().get(1));
        assertThat(incr3.pageErrors()).singleElement().satisfies(e -> {
            assertThat(e.path()).isEqualTo(big);
            assertThat(e.blocks()).containsExactly((long) corrupt);
        });
        assertComposesToServerFile(incr3, bigIncr3);

        VerifyReport report = new VerifyService(repository).verify(null, 2);
        assertThat(report.problems()).isEmpty();
        assertThat(report.backups()).isGreaterThanOrEqualTo(4); // the other test's backups may be there too
    }

    @Test
    void aParentStoredWholeKeepsTheFileInOnePageSet() throws Exception {
        pg.execute("CREATE TABLE unsplit (id int PRIMARY KEY, pad text) WITH (fillfactor = 50)",
                "INSERT INTO unsplit SELECT g, repeat('x', 200) FROM generate_series(1, 8000) g",
                "VACUUM FREEZE", "CHECKPOINT");
        String path = pg.queryString("SELECT pg_relation_filepath('unsplit')");
        assertThat(pg.queryLong("SELECT pg_relation_size('unsplit')")).isGreaterThan(2 * MIB);
        Thread.sleep(2500);
        BackupManifest full = backup(BackupType.FULL, 0); // never split: one chunk spans every range
        assertThat(entry(full, path).ranged()).isFalse();

        touch("unsplit", 3, 200);
        BackupManifest incr = backup(BackupType.INCREMENTAL, MIB);
        FileEntry f = entry(incr, path);
        // ranges would each have to read through the parent's whole frame up to their start
        assertThat(f.ranged()).isFalse();
        assertThat(f.sha256()).isNotNull();
        assertThat(ownBlocks(f)).isEqualTo(blocks(3, 200));
        assertComposesToServerFile(incr, f);
        assertThat(new VerifyService(repository).verify(incr.id(), 2).problems()).isEmpty();
    }
}
