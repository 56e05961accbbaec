package io.pgvault.core.info;

import java.time.Instant;

/**
 * The span of time a restore can reach.
 *
 * @param earliest  end of the oldest usable backup: the earliest consistent point
 * @param latest    when the newest archived WAL reachable from a backup was archived: nothing after it is in the
 *                  archive
 * @param latestWal that newest segment
 */
public record RecoverableWindow(Instant earliest, Instant latest, String latestWal) {
}
