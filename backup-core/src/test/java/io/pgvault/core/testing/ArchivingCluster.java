package io.pgvault.core.testing;

import io.pgvault.core.pg.PgConnectionSettings;
import io.pgvault.core.repo.InitService;
import io.pgvault.core.repo.Repository;
import io.pgvault.core.stream.Codec;
import io.pgvault.core.wal.WalPushService;
import io.pgvault.storage.fs.FsStorage;
import io.pgvault.storage.fs.FsStorageConfig;
import java.nio.file.Path;
import java.util.Map;

/**
 * A real PostgreSQL 15 cluster archiving into a file-system repository (cluster "main") that is initialized for it:
 * PostgreSQL copies each WAL segment to a spool and a {@link SpoolPusher} archives it, standing in for
 * {@code pgvault wal-push}. Closing stops the server and removes the work directory.
 */
public final class ArchivingCluster implements AutoCloseable {

    private final Path work;
    private final Repository repository;
    private final SpoolPusher pusher;
    private final PgTestCluster pg;

    private ArchivingCluster(Path work, Repository repository, SpoolPusher pusher, PgTestCluster pg) {
        this.work = work;
        this.repository = repository;
        this.pusher = pusher;
        this.pg = pg;
    }

    public static ArchivingCluster start(String prefix) throws Exception {
        Path work = PgTestCluster.workDirectory(prefix);
        Repository repository = new Repository(new FsStorage(new FsStorageConfig(work.resolve("repo"), true)), "main");
        SpoolPusher pusher = new SpoolPusher(work.resolve("spool"), new WalPushService(repository, Codec.ZSTD, 0));
        PgTestCluster pg;
        try {
            pg = PgTestCluster.start(work, "pgdata", pusher.archiveCommand(), Map.of());
        } catch (Exception e) {
            pusher.close();
            PgTestCluster.deleteTree(work);
            throw e;
        }
        ArchivingCluster cluster = new ArchivingCluster(work, repository, pusher, pg);
        new InitService(repository).init(cluster.connection());
        return cluster;
    }

    public PgTestCluster pg() {
        return pg;
    }

    public Repository repository() {
        return repository;
    }

    public PgConnectionSettings connection() {
        return new PgConnectionSettings("127.0.0.1", pg.port(), "postgres", "postgres", null);
    }

    @Override
    public void close() throws Exception {
        try {
            pusher.close();
            pg.close();
        } finally {
            PgTestCluster.deleteTree(work);
        }
    }
}
