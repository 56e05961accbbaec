package io.pgvault.core.backup;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.pg.WalFileName;
import io.pgvault.core.pg.WalSegmentName;
import io.pgvault.core.repo.Repository;
import io.pgvault.storage.ObjectInfo;
import io.pgvault.core.wal.WalPushService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits until a range of WAL segments is in the archive: a backup is usable only once its WAL is there. Segments the
 * server has finished but not yet archived (their {@code archive_status/*.ready} is there) are pushed from here as
 * well, with the same idempotent push archive_command runs: the backup does not wait for the archiver to reach them,
 * and the archiver's own push of them then finds the same content stored and succeeds.
 */
final class WalArchiveWaiter {

    private static final Logger log = LoggerFactory.getLogger(WalArchiveWaiter.class);

    private final Repository repository;
    private final Path pgWal;
    private final WalPushService pusher;

    /**
     * @param pgWal  the server's pg_wal directory, or null to only wait
     * @param pusher pushes finished segments found there
     */
    WalArchiveWaiter(Repository repository, Path pgWal, WalPushService pusher) {
        this.repository = repository;
        this.pgWal = pgWal;
        this.pusher = pusher;
    }

    /**
     * Polls the repository until every segment from {@code first} to {@code last} is archived.
     *
     * @param archiverState the server archiver's last failure, empty while it is healthy: named in the timeout message,
     *                      and pushing from here only happens while it is empty
     * @throws PgVaultException TIMEOUT naming the first missing segment
     */
    void await(WalSegmentName first, WalSegmentName last, Duration timeout, Supplier<String> archiverState) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Set<String> missing = new TreeSet<>();
        for (WalSegmentName s = first; s.compareTo(last) <= 0; s = s.next()) {
            missing.add(s.fileName());
        }
        Set<String> tried = new HashSet<>();
        long sleep = 50;
        while (true) {
            missing.removeAll(archived(missing));
            if (missing.isEmpty()) {
                return;
            }
            if (pushReady(missing, tried, archiverState)) {
                continue;
            }
            if (System.nanoTime() > deadline) {
                String state = archiverState.get();
                throw new PgVaultException(ErrorCode.TIMEOUT, "WAL segment " + missing.iterator().next()
                        + " was not archived within " + timeout.toSeconds() + "s"
                        + (state.isEmpty() ? "" : " (last archive failure: " + state + ")")
                        + "; check archive_command and pg_stat_archiver, or raise --archive-timeout");
            }
            try {
                Thread.sleep(sleep);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PgVaultException(ErrorCode.TIMEOUT, "interrupted while waiting for WAL archiving");
            }
            sleep = Math.min(1000, sleep + sleep / 2);
        }
    }

    /**
     * Pushes the missing segments the server has finished, each at most once, and only while the server's archiver
     * is healthy: a failing archive_command must still fail the backup, not be papered over by it.
     *
     * @return true when any was stored
     */
    private boolean pushReady(Set<String> missing, Set<String> tried, Supplier<String> archiverState) {
        if (pgWal == null) {
            return false;
        }
        List<String> ready = missing.stream().filter(n -> !tried.contains(n))
                .filter(n -> Files.exists(pgWal.resolve("archive_status").resolve(n + ".ready"))).toList();
        if (ready.isEmpty() || !archiverState.get().isEmpty()) {
            return false;
        }
        boolean pushed = false;
        for (String name : ready) {
            tried.add(name);
            try {
                pusher.push(pgWal.resolve(name));
                pushed = true;
            } catch (PgVaultException e) {
                // archive_command will push it, or fail where the server's log and pg_stat_archiver show it
                log.debug("pushing {} from the backup failed, waiting for archive_command: {}", name, e.getMessage());
            }
        }
        return pushed;
    }

    private Set<String> archived(Set<String> wanted) {
        Set<String> found = new HashSet<>();
        Set<String> dirs = new TreeSet<>();
        wanted.forEach(n -> dirs.add(n.substring(0, 16)));
        for (String dir : dirs) {
            try (Stream<ObjectInfo> s = repository.storage().list(repository.layout().walPrefix() + dir + "/")) {
                s.forEach(o -> {
                    String key = o.key();
                    String file = key.substring(key.lastIndexOf('/') + 1);
                    int dot = file.indexOf('.');
                    String name = dot < 0 ? file : file.substring(0, dot);
                    if (WalSegmentName.isSegmentName(name) && file.indexOf('.', dot + 1) < 0
                            && WalFileName.parse(name).kind() == WalFileName.Kind.SEGMENT) {
                        found.add(name);
                    }
                });
            }
        }
        return found;
    }
}
