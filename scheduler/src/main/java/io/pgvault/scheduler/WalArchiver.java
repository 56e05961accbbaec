package io.pgvault.scheduler;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.pg.WalFileName;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Archives WAL ahead of PostgreSQL's archiver, for the JVM-free {@code bin/pgvault-wal-push}: watches
 * {@code pg_wal/archive_status/*.ready}, pushes those files in parallel, and only after the push returned (the file
 * is durable in the repository) writes {@code <spool>/<name>.ok}. The script, run by archive_command, succeeds when
 * it finds that file and it names the same file PostgreSQL hands it (size, modification second and inode, as
 * {@code stat -c '%s %Y %i'} prints them); otherwise it waits for the agent or pushes synchronously itself. A failed
 * push leaves {@code <name>.error} (the script then pushes synchronously, reporting the failure to PostgreSQL) and is
 * retried after {@link #RETRY_AFTER}.
 *
 * <p>{@code <spool>/agent.pid} holds this process's pid while it archives; the script falls back to the synchronous
 * push when no live process has it. Status files of segments PostgreSQL has finished with (no .ready any more) are
 * removed.
 */
public final class WalArchiver {

    /** How long a failed push waits before the next attempt. */
    static final Duration RETRY_AFTER = Duration.ofSeconds(10);

    /** Pushes one WAL file; returns only once it is durable in the repository (WalPushService::push). */
    @FunctionalInterface
    public interface Push {
        void push(Path walFile);
    }

    /**
     * What the archiver has done, for the status file.
     *
     * @param spool        the spool directory
     * @param pushed       files pushed (or found already archived) since the agent started
     * @param lastPushed   the latest of them
     * @param lastPushedAt when it was stored
     * @param failures     failed pushes since the agent started
     * @param lastError    the latest failure, or null
     */
    public record Snapshot(String spool, long pushed, String lastPushed, Instant lastPushedAt, long failures,
                           String lastError) {
    }

    private final Path pgWal;
    private final Path archiveStatus;
    private final Path spool;
    private final Push push;
    private final int parallel;
    private final Duration poll;
    private final Consumer<String> events;
    private final Clock clock = Clock.systemUTC();
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final Map<String, Instant> retryAt = new ConcurrentHashMap<>();
    private final AtomicLong pushed = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicReference<String> lastPushed = new AtomicReference<>();
    private final AtomicReference<Instant> lastPushedAt = new AtomicReference<>();
    private final AtomicReference<String> lastError = new AtomicReference<>();
    private Runnable onProgress = () -> { };
    private ScheduledExecutorService scanner;
    private ExecutorService workers;

    /**
     * @param pgdata   the server's data directory (its pg_wal is watched)
     * @param spool    the spool directory shared with {@code pgvault-wal-push}
     * @param push     stores one file durably
     * @param parallel pushes at once
     * @param poll     how often archive_status is listed
     * @param events   receives one line per failure
     */
    public WalArchiver(Path pgdata, Path spool, Push push, int parallel, Duration poll, Consumer<String> events) {
        if (parallel < 1 || parallel > 64) {
            throw new PgVaultException(ErrorCode.USAGE, "archive pushes at once must be between 1 and 64, got "
                    + parallel);
        }
        this.pgWal = pgdata.resolve("pg_wal");
        this.archiveStatus = pgWal.resolve("archive_status");
        this.spool = spool;
        this.push = push;
        this.parallel = parallel;
        this.poll = poll;
        this.events = events;
    }

    /** Called after each push or failure (the agent rewrites its status). */
    void onProgress(Runnable r) {
        this.onProgress = r;
    }

    public Path spool() {
        return spool;
    }

    /**
     * Starts watching.
     *
     * @throws PgVaultException CONFIG when pg_wal/archive_status is missing, LOCAL_IO when the spool is unusable
     */
    public synchronized void start() {
        if (!Files.isDirectory(archiveStatus)) {
            throw new PgVaultException(ErrorCode.CONFIG, archiveStatus + " does not exist: --pgdata must be the "
                    + "data directory of the server whose WAL the agent archives");
        }
        try {
            Files.createDirectories(spool);
            writeAtomically(spool.resolve("agent.pid"), ProcessHandle.current().pid() + "\n");
        } catch (IOException e) {
            throw new PgVaultException(ErrorCode.LOCAL_IO, "cannot use the spool directory " + spool + " ("
                    + e.getMessage() + "); create it writable by the user PostgreSQL runs as, or fix --spool", e);
        }
        workers = Executors.newFixedThreadPool(parallel, daemon("pgvault-wal-push"));
        scanner = Executors.newSingleThreadScheduledExecutor(daemon("pgvault-wal-watch"));
        scanner.scheduleWithFixedDelay(this::scanSafely, 0, poll.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicLong n = new AtomicLong();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private void scanSafely() {
        try {
            scan();
        } catch (RuntimeException | IOException e) {
            events.accept("warning: watching " + archiveStatus + ": " + e.getMessage());
        }
    }

    /** One look at archive_status: pushes what is ready, oldest first, and forgets what PostgreSQL is done with. */
    void scan() throws IOException {
        Set<String> ready = new TreeSet<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(archiveStatus, "*.ready")) {
            for (Path p : s) {
                String name = p.getFileName().toString();
                ready.add(name.substring(0, name.length() - ".ready".length()));
            }
        }
        Instant now = clock.instant();
        for (String name : ready) {
            if (inFlight.contains(name) || now.isBefore(retryAt.getOrDefault(name, Instant.MIN))
                    || !isWalName(name) || alreadyOk(name)) {
                continue;
            }
            inFlight.add(name);
            try {
                workers.execute(() -> pushOne(name));
            } catch (java.util.concurrent.RejectedExecutionException stopping) {
                inFlight.remove(name);
                return;
            }
        }
        removeFinished(ready);
    }

    private static boolean isWalName(String name) {
        try {
            WalFileName.parse(name);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private boolean alreadyOk(String name) {
        try {
            return Files.readString(spool.resolve(name + ".ok")).strip().equals(identity(pgWal.resolve(name)));
        } catch (IOException e) {
            return false;
        }
    }

    private void pushOne(String name) {
        Path file = pgWal.resolve(name);
        try {
            String before = identity(file);
            push.push(file);
            // written only now that the file is durable in the repository: the script trusts it blindly
            if (before.equals(identity(file))) {
                writeAtomically(spool.resolve(name + ".ok"), before + "\n");
            }
            Files.deleteIfExists(spool.resolve(name + ".error"));
            retryAt.remove(name);
            pushed.incrementAndGet();
            lastPushed.set(name);
            lastPushedAt.set(clock.instant());
        } catch (NoSuchFileException gone) {
            // PostgreSQL archived and recycled it meanwhile (the synchronous path was faster)
        } catch (RuntimeException | IOException e) {
            failures.incrementAndGet();
            lastError.set(name + ": " + e.getMessage());
            retryAt.put(name, clock.instant().plus(RETRY_AFTER));
            events.accept("archiving " + name + " failed (archive_command pushes it synchronously; retry in "
                    + RETRY_AFTER.toSeconds() + "s): " + e.getMessage());
            try {
                writeAtomically(spool.resolve(name + ".error"), e.getMessage() + "\n");
            } catch (IOException ignored) {
                // the script then waits until its timeout before pushing synchronously
            }
        } finally {
            inFlight.remove(name);
        }
        onProgress.run();
    }

    /** Removes status files of names without a .ready (PostgreSQL marked them .done, or removed them). */
    private void removeFinished(Set<String> ready) throws IOException {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(spool, "*.{ok,error}")) {
            for (Path p : s) {
                String file = p.getFileName().toString();
                String name = file.substring(0, file.lastIndexOf('.'));
                if (!ready.contains(name) && !inFlight.contains(name)) {
                    Files.deleteIfExists(p);
                    retryAt.remove(name);
                }
            }
        }
    }

    /**
     * Which file a name stands for, in the form {@code stat -L -c '%s %Y %i'} prints: size, modification time in
     * whole seconds, inode. A segment recycled under an old name, or a new cluster reusing the spool, never matches
     * an old .ok.
     */
    static String identity(Path file) throws IOException {
        Map<String, Object> a = Files.readAttributes(file, "unix:size,lastModifiedTime,ino");
        return a.get("size") + " " + ((FileTime) a.get("lastModifiedTime")).to(TimeUnit.SECONDS) + " " + a.get("ino");
    }

    private static void writeAtomically(Path target, String content) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public Snapshot snapshot() {
        return new Snapshot(spool.toString(), pushed.get(), lastPushed.get(), lastPushedAt.get(), failures.get(),
                lastError.get());
    }

    /**
     * Stops watching and waits up to {@code grace} for pushes in progress (an unfinished push writes no .ok, so
     * PostgreSQL's next attempt pushes it synchronously). Removes agent.pid, so the script stops waiting for us.
     */
    public synchronized void stop(Duration grace) {
        if (scanner == null) {
            return;
        }
        scanner.shutdownNow();
        workers.shutdown();
        try {
            if (!workers.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                events.accept("abandoned WAL pushes in progress: " + inFlight);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(spool.resolve("agent.pid"));
        } catch (IOException e) {
            events.accept("warning: cannot remove " + spool.resolve("agent.pid") + ": " + e.getMessage());
        }
        scanner = null;
    }
}
