package io.pgvault.restore;

import io.pgvault.core.pg.Lsn;
import io.pgvault.core.pg.PgSession;
import io.pgvault.core.pg.TimelineId;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;

/** What a server in (or just out of) recovery says about how far it got. */
final class RecoveryQueries {

    private RecoveryQueries() {
    }

    /** The last WAL location replayed; it stays put after promotion. Null before any WAL was replayed. */
    static Lsn replayLsn(PgSession session) throws SQLException {
        String v = session.queryString("SELECT pg_last_wal_replay_lsn()");
        return v == null ? null : Lsn.parse(v);
    }

    /** Commit time of the last transaction replayed, null when none was. */
    static OffsetDateTime lastTransaction(PgSession session) throws SQLException {
        try (Statement st = session.connection().createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_last_xact_replay_timestamp()")) {
            rs.next();
            return rs.getObject(1, OffsetDateTime.class);
        }
    }

    static boolean isPaused(PgSession session) throws SQLException {
        return session.majorVersion() >= 14
                ? "paused".equals(session.queryString("SELECT pg_get_wal_replay_pause_state()"))
                : "t".equals(session.queryString("SELECT pg_is_wal_replay_paused()"));
    }

    /** The timeline a server in recovery replays, as far as its control file tells. */
    static TimelineId recoveryTimeline(PgSession session) throws SQLException {
        return TimelineId.parseDecimal(session.queryString("SELECT CASE WHEN min_recovery_end_timeline > 0 "
                + "THEN min_recovery_end_timeline ELSE (SELECT timeline_id FROM pg_control_checkpoint()) END "
                + "FROM pg_control_recovery()"));
    }

    /** The timeline a primary writes on (right after promotion already the new one). */
    static TimelineId currentTimeline(PgSession session) throws SQLException {
        return TimelineId.parseHex(session.queryString("SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)"));
    }
}
