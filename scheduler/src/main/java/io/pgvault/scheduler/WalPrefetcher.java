package io.pgvault.scheduler;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.pg.WalSegmentName;
import io.pgvault.core.pg.WalSegmentSize;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Downloads the WAL segments recovery will ask for next, for the JVM-free {@code bin/pgvault-wal-fetch}: the script
 * (restore_command) writes the name PostgreSQL asks for into {@code <queue>/want}, takes {@code <queue>/<name>} with a
 * rename when it is there, and otherwise waits for it, or for {@code <name>.missing} (not in the archive: exit 1),
 * while this process runs. Segments are fetched in parallel, up to {@code ahead} segments from the wanted one (the
 * spool size limit), each verified (size and SHA-256) before it is renamed into the queue, so the script never hands
 * PostgreSQL a partial or damaged file. Segments behind the wanted one, or on another timeline, are removed.
 *
 * <p>{@code <queue>/prefetch.pid} holds this process's pid while it runs. It exits after {@code idleExit} without a
 * request (recovery has ended), removing what it downloaded.
 */
public final class WalPrefetcher {

    /** How long a segment found missing is not asked for again (a standby following a live archive). */
    static final Duration MISSING_RETRY = Duration.ofSeconds(1);

    /** Fetches one segment into place. */
    @FunctionalInterface
    public interface Source {
        /**
         * Writes the segment to {@code destination}, complete and verified, or returns false when the archive does
         * not have it.
         */
        boolean fetch(String name, Path destination);
    }

    private final Path queue;
    private final WalSegmentSize segmentSize;
    private final Source source;
    private final int ahead;
    private final int jobs;
    private final Duration idleExit;
    private final Consumer<String> events;
    private final Clock clock = Clock.systemUTC();
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final Map<String, Instant> missingSince = new ConcurrentHashMap<>();
    /** Downloaded for the current window: not fetched again once the script has taken them. */
    private final Set<String> delivered = ConcurrentHashMap.newKeySet();
    private final AtomicLong fetched = new AtomicLong();
    private volatile WalSegmentName wanted;

    /**
     * @param queue       the directory shared with the script
     * @param segmentSize the cluster's WAL segment size (to name the segments that follow)
     * @param source      fetches one segment
     * @param ahead       segments kept ready, the wanted one included (the spool holds at most this many)
     * @param jobs        downloads at once
     * @param idleExit    exit after this long without a request
     * @param events      receives one line per failure
     */
    public WalPrefetcher(Path queue, WalSegmentSize segmentSize, Source source, int ahead, int jobs,
                         Duration idleExit, Consumer<String> events) {
        if (ahead < 1 || ahead > 1024) {
            throw new PgVaultException(ErrorCode.USAGE, "--fetch-ahead must be between 1 and 1024, got " + ahead);
        }
        if (jobs < 1 || jobs > 64) {
            throw new PgVaultException(ErrorCode.USAGE, "--fetch-jobs must be between 1 and 64, got " + jobs);
        }
        this.queue = queue;
        this.segmentSize = segmentSize;
        this.source = source;
        this.ahead = ahead;
        this.jobs = jobs;
        this.idleExit = idleExit;
        this.events = events;
    }

    /**
     * Serves requests until none came for {@code idleExit}, then removes its files and returns.
     *
     * @param first the name asked for by the script that started this process (may be null)
     * @return segments downloaded
     */
    public long run(String first) throws InterruptedException {
        try {
            Files.createDirectories(queue);
            writeAtomically(queue.resolve("prefetch.pid"), ProcessHandle.current().pid() + "\n");
        } catch (IOException e) {
            throw new PgVaultException(ErrorCode.LOCAL_IO, "cannot use the prefetch directory " + queue + " ("
                    + e.getMessage() + "); it must be writable by the user PostgreSQL runs as", e);
        }
        ExecutorService pool = Executors.newFixedThreadPool(jobs, r -> {
            Thread t = new Thread(r, "pgvault-wal-prefetch");
            t.setDaemon(true);
            return t;
        });
        String lastRequest = null;
        Instant lastRequestAt = clock.instant();
        try {
            if (first != null && WalSegmentName.isSegmentName(first)) {
                request(first, pool);
            } else if (first != null && isHistory(first)) {
                fetchOnce(first, pool);
            }
            while (true) {
                String request = readWant();
                if (request != null && !request.equals(lastRequest)) {
                    lastRequest = request;
                    lastRequestAt = clock.instant();
                    String name = request.split(" ")[0];
                    if (WalSegmentName.isSegmentName(name)) {
                        missingSince.remove(name); // every request asks the archive again
                        delivered.remove(name);
                        request(name, pool);
                    } else if (isHistory(name)) {
                        fetchOnce(name, pool);
                    }
                } else if (wanted != null) {
                    fill(pool);
                }
                if (Duration.between(lastRequestAt, clock.instant()).compareTo(idleExit) > 0 || abandoned()) {
                    return fetched.get();
                }
                Thread.sleep(5);
            }
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
            cleanUp();
        }
    }

    /**
     * True when nobody will ask again: the queue directory was removed, or it lies in a data directory's pg_wal and
     * that server is no longer running (no postmaster.pid).
     */
    private boolean abandoned() {
        if (!Files.isDirectory(queue)) {
            return true;
        }
        Path parent = queue.getParent();
        return parent != null && parent.getFileName() != null && parent.getFileName().toString().equals("pg_wal")
                && parent.getParent() != null && Files.isRegularFile(parent.getParent().resolve("PG_VERSION"))
                && !Files.exists(parent.getParent().resolve("postmaster.pid"));
    }

    private String readWant() {
        try {
            return Files.readString(queue.resolve("want"), StandardCharsets.UTF_8).strip();
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            events.accept("warning: reading " + queue.resolve("want") + ": " + e.getMessage());
            return null;
        }
    }

    /** A timeline history file (recovery asks for them at its start and end): fetched once, no look-ahead. */
    static boolean isHistory(String name) {
        return name.matches("[0-9A-F]{8}\\.history");
    }

    private void fetchOnce(String name, ExecutorService pool) {
        if (!inFlight.add(name)) {
            return;
        }
        try {
            pool.execute(() -> {
                try {
                    if (!source.fetch(name, queue.resolve(name))) {
                        writeAtomically(queue.resolve(name + ".missing"), "\n");
                    }
                } catch (RuntimeException | IOException e) {
                    String why = e.getMessage() == null ? e.toString() : e.getMessage();
                    events.accept("prefetching " + name + " failed: " + why);
                    try {
                        writeAtomically(queue.resolve(name + ".error"), why + "\n");
                    } catch (IOException ignored) {
                        // the script then waits for its timeout
                    }
                } finally {
                    inFlight.remove(name);
                }
            });
        } catch (RejectedExecutionException stopping) {
            inFlight.remove(name);
        }
    }

    private void request(String name, ExecutorService pool) {
        wanted = WalSegmentName.parse(name, segmentSize);
        delivered.removeIf(n -> !inWindow(n));
        removeOutsideWindow();
        fill(pool);
    }

    /** Starts downloads of the window's segments that are neither there, nor coming, nor recently missing. */
    private void fill(ExecutorService pool) {
        WalSegmentName w = wanted;
        Instant now = clock.instant();
        WalSegmentName s = w;
        for (int i = 0; i < ahead; i++, s = s.next()) {
            String name = s.fileName();
            Instant missing = missingSince.get(name);
            if (missing != null && now.isBefore(missing.plus(MISSING_RETRY))) {
                break; // the archive ends here for now: nothing after it can be there either
            }
            if (inFlight.contains(name) || delivered.contains(name) || Files.exists(queue.resolve(name))) {
                continue;
            }
            inFlight.add(name);
            try {
                pool.execute(() -> download(name));
            } catch (RejectedExecutionException stopping) {
                inFlight.remove(name);
                return;
            }
        }
    }

    private void download(String name) {
        try {
            if (!inWindow(name)) {
                return;
            }
            if (source.fetch(name, queue.resolve(name))) {
                fetched.incrementAndGet();
                missingSince.remove(name);
                delivered.add(name);
                if (!inWindow(name)) {
                    Files.deleteIfExists(queue.resolve(name)); // recovery moved on meanwhile
                }
            } else {
                missingSince.put(name, clock.instant());
                if (wanted != null && name.equals(wanted.fileName())) {
                    writeAtomically(queue.resolve(name + ".missing"), "\n");
                }
            }
        } catch (RuntimeException | IOException e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            events.accept("prefetching " + name + " failed: " + why);
            try {
                // the script falls back to `pgvault wal-fetch`, which reports the failure to PostgreSQL
                writeAtomically(queue.resolve(name + ".error"), why + "\n");
            } catch (IOException ignored) {
                // the script then waits for its timeout
            }
            missingSince.put(name, clock.instant());
        } finally {
            inFlight.remove(name);
        }
    }

    private boolean inWindow(String name) {
        WalSegmentName w = wanted;
        if (w == null || !WalSegmentName.isSegmentName(name)) {
            return false;
        }
        WalSegmentName s = WalSegmentName.parse(name, segmentSize);
        return s.timeline().equals(w.timeline()) && s.segmentNumber() >= w.segmentNumber()
                && s.segmentNumber() < w.segmentNumber() + ahead;
    }

    /** Removes segments and markers recovery no longer needs (behind the wanted one, or another timeline). */
    private void removeOutsideWindow() {
        Set<String> keep = new HashSet<>();
        keep.add("want");
        keep.add("prefetch.pid");
        try (DirectoryStream<Path> files = Files.newDirectoryStream(queue)) {
            for (Path p : files) {
                String file = p.getFileName().toString();
                String name = file.endsWith(".missing") || file.endsWith(".error")
                        ? file.substring(0, file.lastIndexOf('.')) : file;
                boolean marker = !name.equals(file);
                boolean current = wanted != null && name.equals(wanted.fileName());
                if (keep.contains(file) || file.startsWith(".") || (marker && current)
                        || (!marker && inWindow(name))) {
                    continue;
                }
                if (WalSegmentName.isSegmentName(name)) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            events.accept("warning: cleaning " + queue + ": " + e.getMessage());
        }
    }

    /** Removes every segment and marker this process left, and its pid file. */
    private void cleanUp() {
        wanted = null;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(queue)) {
            for (Path p : files) {
                String file = p.getFileName().toString();
                String name = file.contains(".") ? file.substring(0, file.indexOf('.')) : file;
                if (WalSegmentName.isSegmentName(name) || file.startsWith(".") || file.equals("prefetch.pid")
                        || file.contains(".history")) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            events.accept("warning: cleaning " + queue + ": " + e.getMessage());
        }
    }

    public long fetched() {
        return fetched.get();
    }

    private static void writeAtomically(Path target, String content) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
