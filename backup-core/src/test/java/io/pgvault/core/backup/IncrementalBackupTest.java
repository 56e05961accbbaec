package io.pgvault.core.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.manifest.BlockRanges;
import io.pgvault.core.manifest.Chunk;
import io.pgvault.core.manifest.EntryKind;
import io.pgvault.core.manifest.FileEntry;
import io.pgvault.core.pg.PgConnectionSettings;
import io.pgvault.core.repo.BackupType;
import io.pgvault.core.repo.Repository;
import io.pgvault.core.stream.Codec;
import io.pgvault.core.stream.Crc32c;
import io.pgvault.core.testing.ArchivingCluster;
import io.pgvault.core.testing.PgTestCluster;
import io.pgvault.core.verify.VerifyReport;
import io.pgvault.core.verify.VerifyService;
import java.nio.file.Files;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Incremental backups of a real PostgreSQL 15 cluster: after a full backup, known pages are changed (rows updated in
 * place on blocks 3 and 7 of one table, rows appended to another) and the incremental must store exactly those
 * pages, reference untouched relation files without copying them, and compose back to the original files.
 */
@Tag("integration")
class IncrementalBackupTest {

    private static ArchivingCluster cluster;
    private static PgTestCluster pg;
    private static Repository repository;

    @BeforeAll
    static void start() throws Exception {
        cluster = ArchivingCluster.start("pgvault-incr-");
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

    private static BackupManifest backup(BackupType type) {
        return new BackupService(repository).run(new BackupSettings(pg.pgdata(), connection(), type, 2, Codec.ZSTD,
                0, Duration.ofSeconds(60), BackupSettings.DEFAULT_BUNDLE_LIMIT), BackupProgress.NONE);
    }

    private static String relationPath(String table) throws Exception {
        return pg.queryString("SELECT pg_relation_filepath('" + table + "')");
    }

    private static FileEntry entry(BackupManifest m, String path) {
        return m.files().stream().filter(f -> f.path().equals(path)).findFirst().orElseThrow();
    }

    /** The blocks this backup itself stored for a file (its page-set chunks). */
    private static BitSet ownBlocks(FileEntry f) {
        BitSet blocks = new BitSet();
        f.chunks().stream().filter(c -> c.backup() == null).forEach(c -> {
            assertThat(c.blocks()).as("own chunk of %s is a page set", f.path()).isNotNull();
            blocks.or(BlockRanges.parse(c.blocks()));
        });
        return blocks;
    }

    @Test
    void storesExactlyTheChangedPagesAndReferencesTheRest() throws Exception {
        pg.execute("CREATE TABLE changed (id int PRIMARY KEY, pad text) WITH (fillfactor = 50)",
                "INSERT INTO changed SELECT g, repeat('x', 200) FROM generate_series(1, 3000) g",
                "CREATE TABLE grown (id int, pad text)",
                "INSERT INTO grown SELECT g, repeat('g', 200) FROM generate_series(1, 2000) g",
                "CREATE TABLE untouched (id int, pad text)",
                "INSERT INTO untouched SELECT g, repeat('u', 200) FROM generate_series(1, 2000) g",
                "VACUUM FREEZE", "CHECKPOINT");
        long changedBlocks = pg.queryLong("SELECT pg_relation_size('changed') / 8192");
        long grownBlocks = pg.queryLong("SELECT pg_relation_size('grown') / 8192");
        assertThat(changedBlocks).isGreaterThan(8);
        Thread.sleep(2500); // the untouched files must be older than the full backup's start minus the 2 s margin

        BackupManifest full = backup(BackupType.INCREMENTAL); // nothing to build on yet: becomes a full backup
        assertThat(full.type()).isEqualTo(BackupType.FULL);
        assertThat(full.parent()).isNull();

        // HOT updates of every row on blocks 3 and 7 (fillfactor 50 leaves room on the same page)
        pg.execute("UPDATE changed SET pad = repeat('y', 200) WHERE ctid >= '(3,0)' AND ctid < '(4,0)'",
                "UPDATE changed SET pad = repeat('z', 200) WHERE ctid >= '(7,0)' AND ctid < '(8,0)'",
                "INSERT INTO grown SELECT g, repeat('h', 200) FROM generate_series(1, 500) g",
                "CHECKPOINT");
        long grownAfter = pg.queryLong("SELECT pg_relation_size('grown') / 8192");
        assertThat(grownAfter).isGreaterThan(grownBlocks);

        BackupManifest incr = backup(BackupType.INCREMENTAL);
        assertThat(incr.type()).isEqualTo(BackupType.INCREMENTAL);
        assertThat(incr.parent()).isEqualTo(full.id());

        FileEntry changed = entry(incr, relationPath("changed"));
        BitSet expected = new BitSet();
        expected.set(3);
        expected.set(7);
        assertThat(ownBlocks(changed)).isEqualTo(expected);
        // the rest of the file comes from the full backup's frame
        assertThat(changed.chunks()).hasSize(2);
        assertThat(changed.chunks().get(1).backup()).isEqualTo(full.id());
        assertThat(changed.size()).isEqualTo(changedBlocks * 8192);

        BitSet grown = ownBlocks(entry(incr, relationPath("grown")));
        assertThat(grown.nextSetBit(0)).isGreaterThanOrEqualTo((int) grownBlocks - 1); // the last old page at most
        assertThat(grown.cardinality()).isLessThanOrEqualTo((int) (grownAfter - grownBlocks + 1));
        for (long b = grownBlocks; b < grownAfter; b++) {
            assertThat(grown.get((int) b)).as("appended block %d stored", b).isTrue();
        }

        FileEntry untouched = entry(incr, relationPath("untouched"));
        FileEntry untouchedInFull = entry(full, relationPath("untouched"));
        assertThat(untouched.chunks()).isNotEmpty().allSatisfy(c -> assertThat(c.backup()).isEqualTo(full.id()));
        assertThat(untouched.chunks()).containsExactlyElementsOf(
                untouchedInFull.chunks().stream().map(c -> c.heldBy(full.id())).toList());
        assertThat(untouched.sha256()).isEqualTo(untouchedInFull.sha256());
        assertThat(untouched.crc32c()).isEqualTo(untouchedInFull.crc32c());
        assertThat(untouched.storedSize()).isZero();

        // every file restores checked by a CRC-32C: the whole file's, or each range's; one is over the file's bytes
        for (BackupManifest m : List.of(full, incr)) {
            assertThat(m.files()).filteredOn(f -> f.kind() == EntryKind.FILE).allSatisfy(f -> assertThat(
                    f.ranged() ? f.sums().stream().allMatch(r -> r.crc32c() != null) : f.crc32c() != null)
                    .as("%s has a CRC-32C", f.path()).isTrue());
        }
        java.util.zip.CRC32C pgVersion = new java.util.zip.CRC32C();
        pgVersion.update(Files.readAllBytes(pg.pgdata().resolve("PG_VERSION")));
        assertThat(entry(incr, "PG_VERSION").crc32c()).isEqualTo(Crc32c.hex((int) pgVersion.getValue()));
        assertThat(changed.crc32c()).matches("[0-9a-f]{8}");

        // the incremental stores a small fraction of the data, and what it stores composes back to every file
        assertThat(incr.repoSize()).isLessThan(full.repoSize() / 4);
        long referenced = incr.files().stream().filter(f -> !f.chunks().isEmpty()
                && f.chunks().stream().allMatch(c -> c.backup() != null)).count();
        assertThat(referenced).isGreaterThan(100);

        // a third backup on top: a differential builds on the full, an incremental on the incremental
        pg.execute("UPDATE changed SET pad = repeat('w', 200) WHERE ctid >= '(5,0)' AND ctid < '(6,0)'", "CHECKPOINT");
        BackupManifest diff = backup(BackupType.DIFFERENTIAL);
        assertThat(diff.parent()).isEqualTo(full.id());
        BitSet diffExpected = (BitSet) expected.clone();
        diffExpected.set(5);
        assertThat(ownBlocks(entry(diff, relationPath("changed")))).isEqualTo(diffExpected);
        BackupManifest incr2 = backup(BackupType.INCREMENTAL);
        assertThat(incr2.parent()).isEqualTo(diff.id());
        FileEntry changed2 = entry(incr2, relationPath("changed"));
        assertThat(changed2.chunks().stream().map(Chunk::backup).collect(Collectors.toList()))
                .as("pages of blocks 3, 5, 7 from the differential, the rest from the full").contains(diff.id(), full.id());

        VerifyReport report = new VerifyService(repository).verify(null, 2);
        assertThat(report.problems()).isEmpty();
        assertThat(report.backups()).isEqualTo(4);
        assertThat(List.of(incr.id(), diff.id(), incr2.id())).doesNotContainNull();
    }
}
