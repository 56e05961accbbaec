package io.pgvault.core.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.manifest.Chunk;
import io.pgvault.core.manifest.FileEntry;
import io.pgvault.core.pg.PgConnectionSettings;
import io.pgvault.core.pg.PgCtl;
import io.pgvault.core.repo.BackupType;
import io.pgvault.core.repo.InitService;
import io.pgvault.core.repo.Repository;
import io.pgvault.core.stream.Codec;
import io.pgvault.core.testing.PgTestCluster;
import io.pgvault.core.testing.SpoolPusher;
import io.pgvault.core.verify.VerifyReport;
import io.pgvault.core.verify.VerifyService;
import io.pgvault.core.wal.WalPushService;
import io.pgvault.storage.fs.FsStorage;
import io.pgvault.storage.fs.FsStorageConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Page-level incrementals on servers without data checksums (PostgreSQL's initdb default before 18). Setting hint
 * bits changes a page's bytes; PostgreSQL moves the page's LSN for that only while it WAL-logs hint bits
 * (data_checksums or wal_log_hints on). Without it, a page set would skip such a page and the restored file would
 * not match the checksum of the file the backup read: restore and verify would call the backup damaged.
 */
@Tag("integration")
class HintBitsIncrementalTest {

    @Test
    void withoutHintBitLoggingChangedRelationFilesAreCopiedWhole() throws Exception {
        try (Server s = Server.start("wal_log_hints = off\n")) {
            BackupManifest full = s.setHintBitsBetweenBackups();
            assertThat(full.dataChecksums()).isFalse();
            assertThat(full.walLogHints()).isFalse();
            s.verifyClean(2); // with page sets here, the table fails its checksum
            BackupManifest incr = s.incremental;
            FileEntry table = s.entry(incr);
            assertThat(table.storedSize()).as("the table, its hint bits set, is stored again").isPositive();
            assertThat(table.chunks()).as("whole: no page set").allSatisfy(c -> assertThat(c.blocks()).isNull());
            // copied as a full backup copies: a file above the range size is split across the workers, each range
            // with its own checksum, and the hint bits changed every range
            assertThat(table.ranged()).as("split into ranges").isTrue();
            assertThat(table.chunks()).hasSizeGreaterThan(1);
            List<String> before = s.entry(full).chunks().stream().map(Chunk::sha256).toList();
            assertThat(table.chunks().stream().map(Chunk::sha256).toList()).hasSameSizeAs(before)
                    .doesNotContainAnyElementsOf(before);
            // and an incremental on top refers to those ranges
            s.pg.execute("UPDATE t SET s = 'changed' WHERE id <= 10", "CHECKPOINT");
            BackupManifest third = s.backup(BackupType.INCREMENTAL);
            assertThat(third.parent()).isEqualTo(s.incremental.id());
            s.verifyClean(3);
        }
    }

    @Test
    void withWalLogHintsHintBitChangesMovePageLsnsAndPageSetsAreUsed() throws Exception {
        try (Server s = Server.start("wal_log_hints = on\n")) {
            BackupManifest full = s.setHintBitsBetweenBackups();
            assertThat(full.walLogHints()).isTrue();
            FileEntry table = s.entry(s.incremental);
            assertThat(table.chunks().stream().filter(c -> c.backup() == null))
                    .as("the pages whose hint bits were set, as a page set").isNotEmpty()
                    .allSatisfy(c -> assertThat(c.blocks()).isNotNull());
            s.verifyClean(2);
        }
    }

    /** A cluster without data checksums, archiving to a filesystem repository. */
    private static final class Server implements AutoCloseable {
        final Path work;
        final PgTestCluster pg;
        final SpoolPusher pusher;
        final Repository repository;
        BackupManifest incremental;

        private Server(Path work, PgTestCluster pg, SpoolPusher pusher, Repository repository) {
            this.work = work;
            this.pg = pg;
            this.pusher = pusher;
            this.repository = repository;
        }

        static Server start(String conf) throws Exception {
            Path work = PgTestCluster.workDirectory("pgvault-hints-");
            Repository repository = new Repository(new FsStorage(new FsStorageConfig(work.resolve("repo"), true)),
                    "main");
            SpoolPusher pusher = new SpoolPusher(work.resolve("spool"),
                    new WalPushService(repository, Codec.ZSTD, 0));
            PgTestCluster pg = PgTestCluster.start(work, "pgdata", pusher.archiveCommand() + "autovacuum = off\n"
                    + conf, Map.of(), PgCtl.findBinDir(System.getenv("PGVAULT_IT_PG_BIN")), false);
            Server s = new Server(work, pg, pusher, repository);
            new InitService(repository).init(s.connection());
            return s;
        }

        PgConnectionSettings connection() {
            return new PgConnectionSettings("127.0.0.1", pg.port(), "postgres", "postgres", null);
        }

        /**
         * Rows are written and checkpointed before a full backup, so it reads them without hint bits; a query then
         * sets the hint bits and a checkpoint writes them; then an incremental. Returns the full backup.
         */
        BackupManifest setHintBitsBetweenBackups() throws Exception {
            pg.execute("CREATE TABLE t AS SELECT g AS id, md5(g::text) AS s FROM generate_series(1, 60000) g",
                    "CHECKPOINT");
            Thread.sleep(2500); // older than the backup's start minus the 2 s margin: only the bytes tell a change
            BackupManifest full = backup(BackupType.FULL);
            assertThat(pg.queryLong("SELECT count(*) FROM t WHERE s LIKE 'a%'")).isPositive();
            pg.execute("CHECKPOINT");
            incremental = backup(BackupType.INCREMENTAL);
            assertThat(incremental.parent()).isEqualTo(full.id());
            return full;
        }

        BackupManifest backup(BackupType type) {
            // 1 MiB ranges, so that the test table (about 4 MiB) is split in a full backup
            return new BackupService(repository).run(new BackupSettings(pg.pgdata(), connection(), type, 2,
                    Codec.ZSTD, 0, Duration.ofSeconds(60), BackupSettings.DEFAULT_BUNDLE_LIMIT, Duration.ZERO, false,
                    BackupSettings.MIN_RANGE_SIZE, true), BackupProgress.NONE);
        }

        FileEntry entry(BackupManifest m) throws Exception {
            String path = pg.queryString("SELECT pg_relation_filepath('t')");
            return m.files().stream().filter(f -> f.path().equals(path)).findFirst().orElseThrow();
        }

        /** verify re-reads every backup and composes every file: none may fail its checksum. */
        void verifyClean(int backups) {
            VerifyReport report = new VerifyService(repository).verify(null, 2);
            assertThat(report.problems()).isEmpty();
            assertThat(report.backups()).isEqualTo(backups);
        }

        @Override
        public void close() throws Exception {
            pusher.close();
            pg.close();
            PgTestCluster.deleteTree(work);
        }
    }
}
