package io.pgvault.cli.it;

import io.pgvault.core.testing.PgTestCluster;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A single writer that appends rows to a ledger, one commit at a time, remembering for each row when its commit
 * started and returned (by the same clock the server uses, on this host) and the WAL insert position right after it.
 * Every 100th row it also creates a named restore point. Those records make exact targets: a time between two
 * commits, an LSN between them, a restore point.
 */
final class LedgerWriter implements Runnable {

    /** One committed ledger row. */
    record Commit(long id, Instant before, Instant after, String lsnAfter) {
    }

    private final PgTestCluster cluster;
    private final List<Commit> commits = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean stop;
    private volatile Throwable failure;
    private Thread thread;

    LedgerWriter(PgTestCluster cluster) {
        this.cluster = cluster;
    }

    static void createTable(PgTestCluster cluster) throws SQLException {
        cluster.execute("CREATE TABLE ledger (id bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())");
    }

    void start() {
        thread = new Thread(this, "ledger-writer");
        thread.start();
    }

    List<Commit> stopAndGet() throws InterruptedException {
        stop = true;
        thread.join();
        if (failure != null) {
            throw new AssertionError("ledger writer failed", failure);
        }
        return List.copyOf(commits);
    }

    @Override
    public void run() {
        try (Connection c = cluster.connect(); Statement st = c.createStatement()) {
            for (long id = 1; !stop; id++) {
                Instant before = Instant.now();
                st.execute("INSERT INTO ledger (id) VALUES (" + id + ")");
                Instant after = Instant.now();
                String lsn;
                try (ResultSet rs = st.executeQuery("SELECT pg_current_wal_insert_lsn()")) {
                    rs.next();
                    lsn = rs.getString(1);
                }
                if (id % 100 == 0) {
                    st.execute("SELECT pg_create_restore_point('ledger_" + id + "')");
                }
                commits.add(new Commit(id, before, after, lsn));
                Thread.sleep(12);
            }
        } catch (Throwable t) {
            failure = t;
        }
    }
}
