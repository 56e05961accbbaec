package io.pgvault.core.testing;

import io.pgvault.core.wal.WalPushService;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Stands in for pgvault wal-push in backup-core's tests: the server's archive_command ({@link #archiveCommand})
 * copies each WAL file to a spool directory, and this thread archives it with {@link WalPushService}.
 */
public final class SpoolPusher implements AutoCloseable {

    private final Path spool;
    private final WalPushService push;
    private final Thread thread;
    private volatile boolean running = true;

    public SpoolPusher(Path spool, WalPushService push) throws IOException {
        this.spool = spool;
        this.push = push;
        Files.createDirectories(spool);
        PgTestCluster.chownToPostgres(spool);
        thread = new Thread(this::run, "test-wal-push");
        thread.setDaemon(true);
        thread.start();
    }

    /** The server settings that hand each finished WAL file to the spool. */
    public String archiveCommand() {
        return "archive_mode = on\narchive_command = 'cp %p " + spool + "/%f.tmp && mv " + spool + "/%f.tmp " + spool
                + "/%f'\n";
    }

    private void run() {
        while (running) {
            try (Stream<Path> files = Files.list(spool)) {
                for (Path f : files.filter(p -> !p.toString().endsWith(".tmp")).sorted().toList()) {
                    push.push(f);
                    Files.delete(f);
                }
                Thread.sleep(100);
            } catch (IOException | InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(5000);
    }
}
