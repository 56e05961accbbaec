package io.pgvault.scheduler;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.pg.Lsn;
import io.pgvault.core.pg.PgSession;
import io.pgvault.core.pg.TimelineId;
import io.pgvault.core.pg.WalFileName;
import io.pgvault.core.pg.WalSegmentName;
import io.pgvault.core.pg.WalSegmentSize;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

/**
 * One replication connection's life: identify the server, make sure of the slot, store complete segments left
 * locally, pick the start (see {@link StreamPosition}), then receive until the agent stops or the connection fails
 * (the exception goes to {@link WalStreamer}, which reconnects).
 */
final class StreamSession {

    private final WalStreamer streamer;
    private final WalSegmentSize size;

    StreamSession(WalStreamer streamer, WalSegmentSize size) {
        this.streamer = streamer;
        this.size = size;
    }

    private record Identity(String systemId, TimelineId timeline, Lsn end) {
    }

    void run() throws SQLException, IOException, InterruptedException {
        try (PgSession session = PgSession.openReplication(streamer.config().connection())) {
            Connection c = session.connection();
            Identity id = identify(c);
            String expected = streamer.repository().requireClusterInfo().systemIdentifier();
            if (!id.systemId().equals(expected)) {
                throw new PgVaultException(ErrorCode.WRONG_CLUSTER, "the server streams WAL of system "
                        + id.systemId() + " but cluster '" + streamer.repository().layout().cluster()
                        + "' belongs to " + expected + "; fix --pg-port or --cluster");
            }
            Lsn restart = slot(c);
            StreamSpool spool = streamer.spool();
            for (Path whole : spool.finished()) {
                streamer.store(whole);
            }
            Lsn start = StreamPosition.resumeAt(id.timeline(), restart, id.end(), size, this::stored,
                    spool::localBytes);
            WalSegmentName first = WalSegmentName.containing(id.timeline(), start, size);
            spool.removeOtherPartials(first);
            // segments skipped as stored in full: a crash may have left their .partial objects behind
            for (WalSegmentName s = WalSegmentName.containing(id.timeline(), restart, size); s.compareTo(first) < 0;
                    s = s.next()) {
                streamer.removePartial(s);
            }
            streamer.checkGap(id.timeline(), first);
            streamer.initialFlushed(restart);
            PGReplicationStream stream = c.unwrap(PGConnection.class).getReplicationAPI().replicationStream()
                    .physical().withSlotName(streamer.config().slot())
                    .withStartPosition(LogSequenceNumber.valueOf(start.value()))
                    .withStatusInterval((int) streamer.config().statusInterval().toSeconds(), TimeUnit.SECONDS)
                    .start();
            try (StreamSpool.SegmentFile file = spool.open(first, StreamPosition.offsetInSegment(start, size))) {
                streamer.streaming(id.timeline(), start, StreamPosition.offsetInSegment(start, size) > 0);
                receive(stream, file, start);
            } finally {
                stream.close();
            }
        }
    }

    private boolean stored(WalSegmentName segment) {
        return streamer.repository().findWal(WalFileName.parse(segment.fileName())).isPresent();
    }

    private void receive(PGReplicationStream stream, StreamSpool.SegmentFile first, Lsn start)
            throws SQLException, IOException, InterruptedException {
        StreamSpool.SegmentFile file = first;
        Lsn position = start;
        Lsn uploaded = start;
        try {
            while (!streamer.stopping()) {
                ByteBuffer buf = stream.readPending();
                if (buf == null) {
                    if (stream.isClosed()) {
                        throw new IOException("the server ended the stream (timeline switch or shutdown)");
                    }
                    uploaded = housekeeping(stream, file, position, uploaded, false);
                    Thread.sleep(10);
                    continue;
                }
                Lsn messageStart = new Lsn(stream.getLastReceiveLSN().asLong() - buf.remaining());
                if (!messageStart.equals(position)) {
                    throw new IOException("the server sent WAL from " + messageStart + " but " + position
                            + " was expected next; restarting the stream");
                }
                while (buf.hasRemaining()) {
                    int take = (int) Math.min(StreamPosition.roomInSegment(position, size), buf.remaining());
                    ByteBuffer part = buf.slice();
                    part.limit(take);
                    file.write(part);
                    buf.position(buf.position() + take);
                    position = position.plus(take);
                    streamer.received(position);
                    if (StreamPosition.offsetInSegment(position, size) == 0) {
                        streamer.store(file.finish());
                        streamer.acknowledge(stream, position);
                        uploaded = position;
                        file = streamer.spool().open(file.segment.next(), 0);
                    }
                }
                uploaded = housekeeping(stream, file, position, uploaded, false);
            }
            housekeeping(stream, file, position, uploaded, true);
        } finally {
            if (file != first) {
                file.close();
            }
        }
    }

    /** Uploads the growing segment when due and acknowledges it; checks the slot. Returns what is uploaded. */
    private Lsn housekeeping(PGReplicationStream stream, StreamSpool.SegmentFile file, Lsn position, Lsn uploaded,
                             boolean force) throws SQLException, IOException {
        Lsn result = uploaded;
        if (position.isAfter(uploaded) && file.length() > 0 && streamer.uploadDue(force)) {
            file.sync();
            streamer.uploadPartial(file.path);
            streamer.acknowledge(stream, position);
            result = position;
        }
        streamer.watchSlotIfDue();
        return result;
    }

    private static Identity identify(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("IDENTIFY_SYSTEM")) {
            rs.next();
            return new Identity(rs.getString("systemid"), TimelineId.of(rs.getInt("timeline")),
                    Lsn.parse(rs.getString("xlogpos")));
        }
    }

    /** The slot's restart_lsn, creating the slot (reserving WAL at once) when missing. */
    private Lsn slot(Connection c) throws SQLException {
        String slot = streamer.config().slot();
        String query = "SELECT slot_type, restart_lsn::text, wal_status FROM pg_replication_slots WHERE slot_name = '"
                + slot + "'";
        try (Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery(query)) {
                if (rs.next()) {
                    return checkSlot(slot, rs.getString(1), rs.getString(2), rs.getString(3));
                }
            }
            st.execute("SELECT pg_create_physical_replication_slot('" + slot + "', true)");
            streamer.event("created physical replication slot " + slot + " (it keeps WAL on the server until the "
                    + "repository has it; drop it with SELECT pg_drop_replication_slot('" + slot + "') when you stop "
                    + "streaming)");
            try (ResultSet rs = st.executeQuery(query)) {
                rs.next();
                return checkSlot(slot, rs.getString(1), rs.getString(2), rs.getString(3));
            }
        }
    }

    private static Lsn checkSlot(String slot, String type, String restart, String walStatus) {
        if (!"physical".equals(type)) {
            throw new PgVaultException(ErrorCode.CONFIG, "replication slot " + slot + " is a " + type + " slot; "
                    + "WAL streaming needs a physical one: choose another --slot");
        }
        if (restart == null) {
            throw new PgVaultException(ErrorCode.REFUSED, "replication slot " + slot + " holds no WAL (wal_status "
                    + walStatus + "): WAL was lost before it reached the archive; drop the slot (SELECT "
                    + "pg_drop_replication_slot('" + slot + "')), restart the agent and take a base backup");
        }
        return Lsn.parse(restart);
    }
}
