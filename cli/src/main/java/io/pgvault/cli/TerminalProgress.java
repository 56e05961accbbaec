package io.pgvault.cli;

import io.pgvault.core.backup.BackupProgress;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Shows progress on a terminal, at most twice a second, on one rewritten line of stderr: bytes done of total, rate,
 * ETA. Silent when stderr is not a terminal (cron, archive_command), so logs stay clean.
 */
public final class TerminalProgress implements BackupProgress {

    private final PrintStream out;
    private final String verb;
    private final AtomicLong done = new AtomicLong();
    private volatile long total;
    private volatile long started = System.nanoTime();
    private volatile long lastPrint;
    private volatile boolean printed;

    private TerminalProgress(PrintStream out, String verb) {
        this.out = out;
        this.verb = verb;
    }

    /** A progress display on stderr when it is a terminal, otherwise one that shows nothing. */
    public static BackupProgress forTerminal(String verb, boolean json) {
        return System.console() != null && !json ? new TerminalProgress(System.err, verb) : BackupProgress.NONE;
    }

    @Override
    public void started(long totalBytes, int files) {
        total = totalBytes;
        started = System.nanoTime();
        done.set(0);
    }

    @Override
    public void advanced(long bytes) {
        long now = System.nanoTime();
        long d = done.addAndGet(bytes);
        if (now - lastPrint > 500_000_000L) {
            lastPrint = now;
            print(d, now);
        }
    }

    @Override
    public synchronized void phase(String description) {
        clear();
        out.println("pgvault: " + description);
    }

    private synchronized void print(long d, long now) {
        Duration elapsed = Duration.ofNanos(now - started);
        double secs = Math.max(elapsed.toMillis(), 1) / 1000.0;
        double rate = d / secs;
        long eta = rate > 0 ? (long) ((total - d) / rate) : 0;
        int pct = total > 0 ? (int) (100 * d / total) : 0;
        out.print(String.format(Locale.ROOT, "\r%s: %s / %s (%d%%)  %s  ETA %s   ", verb, Output.bytes(d),
                Output.bytes(total), Math.min(pct, 100), Output.rate(d, elapsed),
                Output.duration(Duration.ofSeconds(Math.max(eta, 0)))));
        out.flush();
        printed = true;
    }

    private void clear() {
        if (printed) {
            out.print("\r\033[K");
            printed = false;
        }
    }

    /** Clears the progress line before the summary is printed. */
    public static void finish(BackupProgress p) {
        if (p instanceof TerminalProgress t) {
            synchronized (t) {
                t.clear();
            }
        }
    }
}
