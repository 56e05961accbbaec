package io.pgvault.cli.demo;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.pg.PgCtl;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * pgvault's whole job on a throwaway cluster: archive, back up, write, note a time T, write more and drop the table,
 * restore to T, start the restored server, and check that exactly the rows committed before T are back.
 */
public final class DemoRunner {

    private static final int ROWS_BEFORE_BACKUP = 100;
    private static final int ROWS_BEFORE_T = 150;

    private final PrintStream out;
    private final DemoEnvironment env;
    private final int port;
    private int step;

    private DemoRunner(PrintStream out, DemoEnvironment env, int port) {
        this.out = out;
        this.env = env;
        this.port = port;
    }

    /** Runs the demo; returns true when the restored rows are exactly those committed before T. */
    public static boolean run(PrintStream out, String binHint, String osUser, boolean keep) throws Exception {
        DemoEnvironment env = DemoEnvironment.create(binHint, osUser);
        DemoRunner demo = new DemoRunner(out, env, DemoEnvironment.freePort());
        out.println("pgvault demo in " + env.work + " (PostgreSQL from " + env.pgCtl.binDir()
                + (env.osUser != null ? ", running as OS user " + env.osUser : "") + ")");
        Path data = env.work.resolve("data");
        Path restored = env.work.resolve("restored");
        try {
            return demo.drill(data, restored);
        } finally {
            env.pgCtl.stop(restored, "immediate");
            env.pgCtl.stop(data, "immediate");
            if (keep) {
                out.println("kept " + env.work);
            } else {
                env.delete();
            }
        }
    }

    private boolean drill(Path data, Path restored) throws Exception {
        String repo = "file://" + env.work.resolve("repo");
        List<String> common = List.of("--repo", repo, "--cluster", "demo", "--pg-port", Integer.toString(port));
        step("create a throwaway cluster with data checksums, archiving to " + repo, () -> {
            env.pgCtl.initdb(data, List.of("-k", "-U", "postgres", "--auth=trust"));
            String conf = "\nport = " + port + "\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '"
                    + env.work + "'\nwal_level = replica\narchive_mode = on\narchive_command = '" + env.pgvault + " "
                    + String.join(" ", common) + " wal-push %p'\n";
            Files.writeString(data.resolve("postgresql.conf"), conf, java.nio.file.StandardOpenOption.APPEND);
            env.pgCtl.start(data, env.work.resolve("data.log"), Duration.ofSeconds(60));
        });
        step("pgvault init", () -> pgvault(common, "init"));
        step("write " + ROWS_BEFORE_BACKUP + " orders", () -> sql(
                "CREATE TABLE orders (id int PRIMARY KEY, item text, at timestamptz DEFAULT clock_timestamp())",
                insert(1, ROWS_BEFORE_BACKUP)));
        step("pgvault backup", () -> pgvault(common, "--pgdata", data.toString(), "backup"));
        step("write orders " + (ROWS_BEFORE_BACKUP + 1) + ".." + ROWS_BEFORE_T, () -> sql(insert(ROWS_BEFORE_BACKUP + 1,
                ROWS_BEFORE_T)));
        Thread.sleep(300);
        OffsetDateTime t = OffsetDateTime.now(ZoneOffset.UTC);
        out.println("       T = " + t + "  (the moment to come back to)");
        Thread.sleep(300);
        step("write 50 more orders, then the accident: DROP TABLE orders", () -> sql(insert(ROWS_BEFORE_T + 1,
                ROWS_BEFORE_T + 50), "DROP TABLE orders", "SELECT pg_switch_wal()"));
        step("wait until the WAL with the accident is archived", this::awaitArchived);
        step("disaster: stop the server", () -> env.pgCtl.stop(data, "fast"));
        step("pgvault restore --target-time " + t, () -> pgvault(common, "--pgdata", restored.toString(),
                "restore", "--target-time", t.toString(), "--archive-mode", "off"));
        step("start the restored server; it replays WAL up to T and promotes", () -> {
            env.pgCtl.start(restored, env.work.resolve("restored.log"), Duration.ofMinutes(5));
            awaitPromotion();
        });
        long[] found = new long[2];
        step("count the orders", () -> {
            try (Connection c = connect(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*), coalesce(max(id), 0) FROM orders")) {
                rs.next();
                found[0] = rs.getLong(1);
                found[1] = rs.getLong(2);
            }
        });
        boolean ok = found[0] == ROWS_BEFORE_T && found[1] == ROWS_BEFORE_T;
        out.printf("%s: %d orders back (ids 1..%d); expected exactly the %d committed before T%n",
                ok ? "PASS" : "FAIL", found[0], found[1], ROWS_BEFORE_T);
        return ok;
    }

    private interface Step {
        void run() throws Exception;
    }

    private void step(String what, Step action) throws Exception {
        out.printf("[%d] %s ... ", ++step, what);
        out.flush();
        long start = System.nanoTime();
        action.run();
        out.printf("ok (%.1fs)%n", (System.nanoTime() - start) / 1e9);
    }

    private void pgvault(List<String> common, String... args) {
        List<String> all = new ArrayList<>(common);
        all.addAll(List.of(args));
        PgCtl.Result r = env.pgvault(all);
        if (r.exitCode() != 0) {
            throw new PgVaultException(ErrorCode.INTERNAL, "pgvault " + String.join(" ", args) + " failed (exit "
                    + r.exitCode() + "): " + r.output().strip());
        }
    }

    private static String insert(int from, int to) {
        return "INSERT INTO orders (id, item) SELECT g, 'item ' || g FROM generate_series(" + from + ", " + to + ") g";
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres");
    }

    private void sql(String... statements) throws SQLException {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            for (String s : statements) {
                st.execute(s);
            }
        }
    }

    private void awaitArchived() throws SQLException, InterruptedException {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            String wanted;
            try (ResultSet rs = st.executeQuery("SELECT pg_walfile_name(pg_current_wal_lsn() - 1)")) {
                rs.next();
                wanted = rs.getString(1);
            }
            for (int i = 0; i < 600; i++) {
                try (ResultSet rs = st.executeQuery("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver")) {
                    rs.next();
                    if (rs.getString(1).compareTo(wanted) >= 0) {
                        return;
                    }
                }
                Thread.sleep(100);
            }
            throw new PgVaultException(ErrorCode.TIMEOUT, "WAL " + wanted + " was not archived within 60s");
        }
    }

    private void awaitPromotion() throws SQLException, InterruptedException {
        for (int i = 0; i < 600; i++) {
            try (Connection c = connect(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery()")) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    return;
                }
            } catch (SQLException e) {
                if (i == 599) {
                    throw e;
                }
            }
            Thread.sleep(100);
        }
        throw new PgVaultException(ErrorCode.TIMEOUT, "the restored server did not finish recovery within 60s");
    }

}
