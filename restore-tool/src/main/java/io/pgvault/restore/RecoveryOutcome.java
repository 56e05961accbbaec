package io.pgvault.restore;

import io.pgvault.core.pg.Lsn;
import io.pgvault.core.pg.TimelineId;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where a managed recovery got to.
 *
 * @param state           what the server did: promoted, paused at the target, shut down at the target, or (without
 *                        waiting) just started
 * @param replayLsn       the last WAL location replayed (null when not known yet)
 * @param lastTransaction commit time of the last transaction replayed (null when none was replayed or not known)
 * @param timeline        the server's timeline: after promotion the new one
 * @param parentTimeline  after promotion, the timeline it branched off; null otherwise
 * @param switchPoint     after promotion, where the new timeline branched off its parent; null otherwise
 * @param stopReason      PostgreSQL's "recovery stopping ..." line when it logged one, else null
 * @param pid             the server's pid (null once shut down)
 * @param port            the server's port
 * @param logFile         where the server's output goes
 */
public record RecoveryOutcome(State state, Lsn replayLsn, OffsetDateTime lastTransaction, TimelineId timeline,
                              TimelineId parentTimeline, Lsn switchPoint, String stopReason, Long pid, Integer port,
                              Path logFile) {

    /** The machine-readable form (--json): names stable, absent values left out. */
    public Map<String, Object> report() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("state", state.toString());
        put(m, "timeline", timeline == null ? null : timeline.value());
        put(m, "parentTimeline", parentTimeline == null ? null : parentTimeline.value());
        put(m, "switchPoint", switchPoint == null ? null : switchPoint.toString());
        put(m, "replayLsn", replayLsn == null ? null : replayLsn.toString());
        put(m, "lastReplayedTransactionTime", lastTransaction == null ? null : lastTransaction.toString());
        put(m, "stopReason", stopReason);
        put(m, "pid", pid);
        put(m, "port", port);
        put(m, "logFile", logFile == null ? null : logFile.toString());
        return m;
    }

    /** The human-readable form: one line on the server, one on where recovery got to. */
    public List<String> describe(String target) {
        List<String> lines = new ArrayList<>();
        String where = (replayLsn == null ? "" : "replayed up to " + replayLsn)
                + (lastTransaction == null ? "" : (replayLsn == null ? "" : ", ") + "last replayed transaction "
                + lastTransaction);
        switch (state) {
            case STARTED -> lines.add("server started (pid " + pid + ", port " + port + "), recovering to " + target
                    + "; log: " + logFile);
            case PROMOTED -> {
                lines.add("recovery reached " + target + " and promoted: timeline " + timeline
                        + (parentTimeline == null ? "" : " (branched off timeline " + parentTimeline + " at "
                        + switchPoint + ")") + ", server running (pid " + pid + ", port " + port + ")");
                lines.add(where.isEmpty() ? "no WAL replayed after the backup" : where);
                if (parentTimeline != null) {
                    lines.add("standbys of the old primary that replayed timeline " + parentTimeline + " past "
                            + switchPoint + " must be rebuilt; check each: pgvault standby --check --pgdata DIR");
                }
            }
            case PAUSED -> {
                lines.add("recovery paused at " + target + " on timeline " + timeline + " (pid " + pid + ", port "
                        + port + "); resume with SELECT pg_wal_replay_resume() to promote");
                lines.add(where);
            }
            case SHUT_DOWN -> {
                lines.add("recovery reached " + target + " and the server shut down (timeline " + timeline + ")");
                lines.add(where.isEmpty() ? (stopReason == null ? "" : stopReason) : where);
            }
            default -> throw new IllegalStateException(state.name());
        }
        lines.removeIf(String::isEmpty);
        return lines;
    }

    private static void put(Map<String, Object> m, String key, Object value) {
        if (value != null) {
            m.put(key, value);
        }
    }

    /** What the server did at the end of recovery. */
    public enum State {
        STARTED, PROMOTED, PAUSED, SHUT_DOWN;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT).replace('_', ' ');
        }
    }
}
