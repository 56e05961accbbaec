package io.pgvault.scheduler;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.pg.Lsn;
import io.pgvault.core.pg.TimelineId;
import io.pgvault.core.pg.WalFileName;
import io.pgvault.core.pg.WalSegmentName;
import io.pgvault.core.pg.WalSegmentSize;
import io.pgvault.core.repo.Repository;
import io.pgvault.core.wal.WalPushService;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

/**
 * Receives the server's WAL over a physical replication slot (pgjdbc's replication API) into the local spool, and
 * stores it: the growing segment as {@code <segment>.partial} every {@code partialInterval} (overwritten as it
 * grows), each complete segment through {@link WalPushService} like archive_command does (same envelope, same
 * conflict check: in mode {@code both} archive_command may store it first, identical content is fine), after which
 * the .partial object and the local file are removed.
 *
 * <p>Acknowledgement: the flush position reported to the server is what is durable <em>in the repository</em> (whole
 * segments, or the uploaded .partial), never what is only in the local spool, so the slot keeps every byte the
 * repository does not have yet — losing the agent's host loses nothing the server still holds. The local file is
 * fsynced before each upload; it lets a restarted agent resume within the segment (see {@link StreamPosition}).
 *
 * <p>Disconnects (server restart, network cut) are retried with backoff from 1 s to 15 s, one line per disconnect
 * and per reconnect. One thread; {@link #snapshot()} is thread-safe.
 */
public final class WalStreamer {

    /**
     * What the streamer is doing, for the agent's status.
     *
     * @param state          connecting, streaming, reconnecting or stopped
     * @param received       end of the WAL received (in the local spool)
     * @param flushed        end of the WAL durable in the repository, acknowledged to the server
     * @param serverLsn      the server's current WAL position when last checked
     * @param lagBytes       serverLsn minus flushed
     * @param lagSeconds     age of the oldest received WAL not yet in the repository (0 when all is)
     * @param retainedBytes  WAL the slot makes the server keep
     */
    public record Snapshot(String state, String slot, String timeline, Lsn received, Lsn flushed, Lsn serverLsn,
                           Long lagBytes, Long lagSeconds, Long retainedBytes, long segmentsStored,
                           long reconnects, String lastError, Instant lastErrorAt) {
    }

    private final Repository repository;
    private final WalPushService push;
    private final StreamSettings settings;
    private final Consumer<String> events;
    private final Clock clock = Clock.systemUTC();
    private final CountDownLatch stopSignal = new CountDownLatch(1);
    private final SlotWatch watch;
    private Runnable onProgress = () -> { };
    private StreamSpool spool;
    private Thread thread;
    private volatile boolean stopping;
    private volatile String state = "connecting";
    private volatile TimelineId timeline;
    private volatile Lsn received;
    private volatile Lsn flushed;
    private volatile Instant undurableSince;
    private volatile long segmentsStored;
    private volatile long reconnects;
    private volatile String lastError;
    private volatile Instant lastErrorAt;
    private boolean gapChecked;
    private Instant lastUpload = Instant.EPOCH;
    private Instant lastWatch = Instant.EPOCH;

    public WalStreamer(Repository repository, WalPushService push, StreamSettings settings, Consumer<String> events) {
        this.repository = repository;
        this.push = push;
        this.settings = settings;
        this.events = events;
        this.watch = new SlotWatch(settings.connection(), settings.slot(), settings.retainedWarn(), events);
    }

    /** Called after each upload, acknowledgement or state change (the agent rewrites its status). */
    void onProgress(Runnable r) {
        this.onProgress = r;
    }

    public StreamSettings settings() {
        return settings;
    }

    /**
     * Starts streaming in the background; connection problems are retried, not thrown.
     *
     * @throws PgVaultException LOCAL_IO when the spool is unusable, NOT_FOUND without the cluster's binding
     */
    public synchronized void start() {
        WalSegmentSize size = new WalSegmentSize(repository.requireClusterInfo().walSegmentSize());
        spool = new StreamSpool(settings.spool().resolve("stream"), size);
        try {
            spool.create();
        } catch (IOException e) {
            throw new PgVaultException(ErrorCode.LOCAL_IO, "cannot use the spool directory " + spool.dir() + " ("
                    + e.getMessage() + "); create it writable by this user, or fix --spool", e);
        }
        thread = new Thread(() -> run(size), "pgvault-wal-stream");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Sessions until stopped. Backoff doubles from 1 s to 15 s while sessions fail; a session that streamed for a
     * minute starts it over. Every disconnect of a stream is logged; failures to reconnect only once per distinct
     * message (a server down for an hour is not a log flood).
     */
    private void run(WalSegmentSize size) {
        long backoff = 1000;
        String logged = null;
        while (!stopping) {
            long wait = 1000;
            long began = System.nanoTime();
            try {
                new StreamSession(this, size).run();
                break; // returns only when stopping
            } catch (Exception e) {
                if (stopping) {
                    break;
                }
                boolean wasStreaming = "streaming".equals(state);
                boolean ranLong = wasStreaming && System.nanoTime() - began > TimeUnit.MINUTES.toNanos(1);
                String why = describe(e);
                lastError = why;
                lastErrorAt = clock.instant();
                state = "reconnecting";
                wait = ranLong ? 1000 : backoff;
                backoff = Math.min(15_000, wait * 2);
                if (wasStreaming) {
                    reconnects++;
                }
                if (wasStreaming || !why.equals(logged)) {
                    events.accept((wasStreaming ? "WAL streaming disconnected: " : "WAL streaming cannot resume: ")
                            + why + "; retrying in " + wait / 1000 + "s (backoff up to 15s)");
                    logged = why;
                }
                onProgress.run();
            }
            try {
                if (stopSignal.await(wait, TimeUnit.MILLISECONDS)) {
                    break;
                }
            } catch (InterruptedException e) {
                break;
            }
        }
        state = "stopped";
    }

    private static String describe(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.lines().findFirst().orElse(m);
    }

    // ---- called by StreamSession on the streaming thread ----

    boolean stopping() {
        return stopping;
    }

    StreamSettings config() {
        return settings;
    }

    Repository repository() {
        return repository;
    }

    StreamSpool spool() {
        return spool;
    }

    void event(String line) {
        events.accept(line);
    }

    void streaming(TimelineId tli, Lsn start, boolean resumed) {
        timeline = tli;
        received = start;
        state = "streaming";
        events.accept((reconnects > 0 || resumed ? "WAL streaming resumed from " : "WAL streaming from ") + start
                + " on timeline " + tli + " through slot " + settings.slot() + " into " + spool.dir());
        onProgress.run();
    }

    void received(Lsn end) {
        if (undurableSince == null) {
            undurableSince = clock.instant();
        }
        received = end;
    }

    /** Stores a complete local segment (leftover or just finished), then drops its .partial object and file. */
    void store(Path whole) throws IOException {
        push.push(whole);
        push.removePartial(whole.getFileName().toString());
        Files.deleteIfExists(whole);
        segmentsStored++;
    }

    void removePartial(WalSegmentName segment) {
        push.removePartial(segment.fileName());
    }

    /** Uploads the growing segment when it grew and the interval has passed (or {@code force}). */
    boolean uploadDue(boolean force) {
        return force || Duration.between(lastUpload, clock.instant()).compareTo(settings.partialInterval()) >= 0;
    }

    void uploadPartial(Path partial) {
        push.pushPartial(partial);
        lastUpload = clock.instant();
    }

    /** Acknowledges {@code lsn} to the server: it is durable in the repository. */
    void acknowledge(PGReplicationStream stream, Lsn lsn) throws SQLException {
        if (flushed != null && !lsn.isAfter(flushed)) {
            return;
        }
        LogSequenceNumber l = LogSequenceNumber.valueOf(lsn.value());
        stream.setFlushedLSN(l);
        stream.setAppliedLSN(l);
        stream.forceUpdateStatus();
        flushed = lsn;
        if (received != null && !received.isAfter(lsn)) {
            undurableSince = null;
        }
        onProgress.run();
    }

    void initialFlushed(Lsn lsn) {
        if (flushed == null || lsn.isAfter(flushed)) {
            flushed = lsn;
        }
    }

    /** Warns once when the repository's WAL on this timeline ends before where streaming starts. */
    void checkGap(TimelineId tli, WalSegmentName first) {
        if (gapChecked || first.segmentNumber() == 0) {
            return;
        }
        gapChecked = true;
        WalSegmentName before = first.previous();
        if (repository.findWal(WalFileName.parse(before.fileName())).isPresent()) {
            return;
        }
        boolean anyOnTimeline = repository.walFiles().stream().anyMatch(w -> w.name().kind()
                == WalFileName.Kind.SEGMENT && w.name().timeline().equals(tli));
        if (anyOnTimeline) {
            events.accept("warning: the archive lacks WAL " + before + " and maybe earlier segments, which the "
                    + "server no longer keeps (streaming starts at " + first + " with a new slot); take a base "
                    + "backup so that restores do not need them");
        }
    }

    /** Every statusInterval: the server's position and what the slot retains (see {@link SlotWatch}). */
    void watchSlotIfDue() {
        Instant now = clock.instant();
        if (Duration.between(lastWatch, now).compareTo(settings.statusInterval()) >= 0) {
            lastWatch = now;
            if (watch.look(lastError)) {
                onProgress.run();
            }
        }
    }

    public Snapshot snapshot() {
        Lsn f = flushed;
        Lsn srv = watch.serverLsn();
        Instant since = undurableSince;
        Long lagBytes = f == null || srv == null ? null : Math.max(0, srv.minus(f));
        Long lagSeconds = f == null ? null : since == null ? 0L : Duration.between(since, clock.instant()).toSeconds();
        TimelineId t = timeline;
        return new Snapshot(state, settings.slot(), t == null ? null : t.toString(), received, f, srv, lagBytes,
                lagSeconds, watch.retained(), segmentsStored, reconnects, lastError, lastErrorAt);
    }

    /**
     * Stops streaming: the growing segment is uploaded one last time when the stream is healthy, then the
     * connection is closed. Waits up to {@code grace}. Idempotent.
     */
    public void stop(Duration grace) {
        Thread t;
        synchronized (this) {
            if (thread == null || stopping) {
                return;
            }
            stopping = true;
            t = thread;
        }
        stopSignal.countDown();
        try {
            t.join(Math.max(1, grace.toMillis()));
            if (t.isAlive()) {
                events.accept("WAL streaming did not stop within " + grace.toSeconds() + "s; abandoned");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        state = "stopped";
    }
}
