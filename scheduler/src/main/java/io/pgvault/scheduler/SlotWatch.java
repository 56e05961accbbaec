package io.pgvault.scheduler;

import io.pgvault.core.pg.Lsn;
import io.pgvault.core.pg.PgConnectionSettings;
import io.pgvault.core.pg.PgSession;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.Consumer;

/**
 * Watches the streamer's slot on an ordinary connection (the replication connection is busy streaming): the
 * server's current WAL position and how much WAL the slot makes it keep, with one warning each time that crosses
 * the threshold. Used by the streaming thread only; the values are read by others.
 */
final class SlotWatch {

    private final PgConnectionSettings connection;
    private final String slot;
    private final long warnAbove;
    private final Consumer<String> events;
    private volatile Lsn serverLsn;
    private volatile Long retained;
    private boolean warned;

    SlotWatch(PgConnectionSettings connection, String slot, long warnAbove, Consumer<String> events) {
        this.connection = connection;
        this.slot = StreamPosition.checkSlotName(slot);
        this.warnAbove = warnAbove;
        this.events = events;
    }

    Lsn serverLsn() {
        return serverLsn;
    }

    Long retained() {
        return retained;
    }

    /**
     * Looks once; false when the server could not be asked (the stream itself reports real trouble).
     *
     * @param lastError the streamer's last error, for the warning
     */
    boolean look(String lastError) {
        try (PgSession s = PgSession.open(connection); Statement st = s.connection().createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_current_wal_lsn()::text, (SELECT restart_lsn::text FROM "
                     + "pg_replication_slots WHERE slot_name = '" + slot + "')")) {
            rs.next();
            Lsn current = Lsn.parse(rs.getString(1));
            serverLsn = current;
            retained = rs.getString(2) == null ? null : current.minus(Lsn.parse(rs.getString(2)));
        } catch (SQLException | RuntimeException e) {
            return false;
        }
        Long r = retained;
        if (r != null && r > warnAbove && !warned) {
            warned = true;
            events.accept("warning: slot " + slot + " makes the server keep " + r / (1024 * 1024) + " MiB of WAL "
                    + "(more than " + warnAbove / (1024 * 1024) + " MiB): the repository falls behind"
                    + (lastError == null ? "" : " (last error: " + lastError + ")")
                    + "; check the repository, or drop the slot if streaming was given up");
        } else if (r != null && r <= warnAbove) {
            warned = false;
        }
        return true;
    }
}
