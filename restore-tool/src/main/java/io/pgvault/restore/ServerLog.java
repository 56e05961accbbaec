package io.pgvault.restore;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a server pgvault started has logged since: the file pg_ctl writes the server's output to (from where it
 * ended before the start), plus the collector's current file when logging_collector is on.
 */
final class ServerLog {

    /** The FATAL PostgreSQL logs when the archive ends before the recovery target. */
    static final String TARGET_NOT_REACHED = "recovery ended before configured recovery target was reached";

    private static final Pattern REDO_DONE = Pattern.compile("redo done at ([0-9A-F]+/[0-9A-F]+)");
    private static final Pattern LAST_XACT = Pattern.compile("last completed transaction was at log time (.+)$",
            Pattern.MULTILINE);
    private static final Pattern STOPPING = Pattern.compile("recovery stopping [^\\n]*");
    private static final Pattern ERROR_LINE = Pattern.compile("^.*\\b(FATAL|PANIC):.*$", Pattern.MULTILINE);
    /** FATALs sent to clients that tried to connect too early or too late: not why a server stopped. */
    private static final Pattern REFUSED_CONNECTION = Pattern.compile(
            "the database system is (starting up|not yet accepting connections|shutting down|in recovery mode)");

    private final Path file;
    private final long offset;
    private final Path pgdata;
    private final Instant since;

    private ServerLog(Path file, long offset, Path pgdata, Instant since) {
        this.file = file;
        this.offset = offset;
        this.pgdata = pgdata;
        this.since = since;
    }

    /** Marks where the log ends now, so only what the next start writes is read. */
    static ServerLog from(Path file, Path pgdata) {
        long size = 0;
        try {
            size = Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException ignored) {
            // read from the start
        }
        return new ServerLog(file, size, pgdata, Instant.now().minusSeconds(1));
    }

    Path file() {
        return file;
    }

    /** Everything logged since the mark. */
    String text() {
        StringBuilder sb = new StringBuilder();
        try (InputStream in = Files.newInputStream(file)) {
            in.skipNBytes(Math.min(offset, Files.size(file)));
            sb.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException ignored) {
            // no log yet
        }
        collectorFile().ifPresent(f -> {
            try {
                if (Files.getLastModifiedTime(f).toInstant().isAfter(since)) {
                    sb.append('\n').append(Files.readString(f, StandardCharsets.UTF_8));
                }
            } catch (IOException ignored) {
                // rotated away
            }
        });
        return sb.toString();
    }

    private Optional<Path> collectorFile() {
        try {
            List<String> lines = Files.readAllLines(pgdata.resolve("current_logfiles"));
            return lines.stream().filter(l -> l.startsWith("stderr ")).findFirst()
                    .map(l -> pgdata.resolve(l.substring(7).trim()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The last FATAL or PANIC line, without the log line prefix. */
    static Optional<String> lastError(String text) {
        Matcher m = ERROR_LINE.matcher(text);
        String last = null;
        while (m.find()) {
            if (!REFUSED_CONNECTION.matcher(m.group()).find()) {
                last = m.group();
            }
        }
        if (last == null) {
            return Optional.empty();
        }
        int at = last.indexOf(" FATAL:") >= 0 ? last.indexOf(" FATAL:") : last.indexOf(" PANIC:");
        return Optional.of(at >= 0 ? last.substring(at + 1).trim() : last.trim());
    }

    static Optional<String> redoDoneAt(String text) {
        return lastMatch(REDO_DONE, text);
    }

    static Optional<String> lastTransactionTime(String text) {
        return lastMatch(LAST_XACT, text).map(String::trim);
    }

    /** PostgreSQL's "recovery stopping before/after ..." line: where replay stopped, and why. */
    static Optional<String> stoppingLine(String text) {
        Matcher m = STOPPING.matcher(text);
        String last = null;
        while (m.find()) {
            last = m.group().trim();
        }
        return Optional.ofNullable(last);
    }

    private static Optional<String> lastMatch(Pattern p, String text) {
        Matcher m = p.matcher(text);
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        return Optional.ofNullable(last);
    }
}
