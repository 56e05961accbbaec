package io.pgvault.scheduler;

import io.pgvault.core.pg.PgConnectionSettings;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How the agent streams WAL.
 *
 * @param connection      the server, as for backups; the role needs REPLICATION
 * @param slot            physical replication slot, created when missing
 * @param spool           local directory; the streamer uses {@code <spool>/stream}
 * @param partialInterval how often the growing segment is uploaded when it grew
 * @param statusInterval  how often the server gets a status message and the slot is checked
 * @param retainedWarn    warn when the slot retains more WAL than this many bytes on the server
 */
public record StreamSettings(PgConnectionSettings connection, String slot, Path spool, Duration partialInterval,
                             Duration statusInterval, long retainedWarn) {

    public StreamSettings {
        StreamPosition.checkSlotName(slot);
        if (partialInterval.compareTo(Duration.ofMillis(100)) < 0 || partialInterval.toMinutes() > 60) {
            throw new IllegalArgumentException("stream-partial-interval must be between 0.1 and 3600 seconds");
        }
        if (statusInterval.toSeconds() < 1 || statusInterval.toSeconds() > 3600) {
            throw new IllegalArgumentException("stream-status-interval must be between 1 and 3600 seconds");
        }
        if (retainedWarn < 1) {
            throw new IllegalArgumentException("slot-retained-warn must be at least 1 MiB");
        }
    }

    /** The default slot name of a cluster: {@code pgvault_<cluster>}, sanitized. */
    public static String defaultSlot(String cluster) {
        return StreamPosition.defaultSlotName(cluster);
    }
}
