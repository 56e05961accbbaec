package io.pgvault.core.info;

import java.time.Instant;

/**
 * The span of time a restore can reach.
 *
 * @param earliest      end of the oldest usable backup: the earliest consistent point
 * @param latest        when the newest archived WAL reachable from a backup was archived: nothing after it is in
 *                      the archive
 * @param latestWal     that newest segment
 * @param latestPartial true when that segment is a streamed {@code .partial}, uploaded at {@code latest}
 */
public record RecoverableWindow(Instant earliest, Instant latest, String latestWal, boolean latestPartial) {

    /** A window ending with a whole segment. */
    public RecoverableWindow(Instant earliest, Instant latest, String latestWal) {
        this(earliest, latest, latestWal, false);
    }
}
