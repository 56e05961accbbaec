package io.pgvault.core.backup;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.pg.WalFileName;
import io.pgvault.core.pg.WalSegmentName;
import io.pgvault.core.repo.Repository;
import io.pgvault.storage.ObjectInfo;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Stream;

/** Waits until a range of WAL segments is in the archive: a backup is usable only once its WAL is there. */
final class WalArchiveWaiter {

    private final Repository repository;

    WalArchiveWaiter(Repository repository) {
        this.repository = repository;
    }

    /**
     * Polls the repository until every segment from {@code first} to {@code last} is archived.
     *
     * @param archiverState describes the server's archiver for the timeout message
     * @throws PgVaultException TIMEOUT naming the first missing segment
     */
    void await(WalSegmentName first, WalSegmentName last, Duration timeout, Supplier<String> archiverState) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Set<String> missing = new TreeSet<>();
        for (WalSegmentName s = first; s.compareTo(last) <= 0; s = s.next()) {
            missing.add(s.fileName());
        }
        long sleep = 100;
        while (true) {
            missing.removeAll(archived(missing));
            if (missing.isEmpty()) {
                return;
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
            sleep = Math.min(1000, sleep * 2);
        }
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
