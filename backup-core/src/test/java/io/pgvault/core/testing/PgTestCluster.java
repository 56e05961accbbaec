package io.pgvault.core.testing;

import io.pgvault.core.pg.PgCtl;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real PostgreSQL cluster for integration tests: initdb'd with data checksums in a temporary directory, run as the
 * {@code postgres} OS user (PostgreSQL refuses root) on a free port of 127.0.0.1. Fails loudly when PostgreSQL's
 * binaries are missing — never skips.
 */
public final class PgTestCluster implements AutoCloseable {

    public static final String OS_USER = "postgres";

    private final Path base;
    private final Path pgdata;
    private final int port;
    private final PgCtl pgCtl;
    private final Map<String, String> serverEnv;

    private PgTestCluster(Path base, Path pgdata, int port, PgCtl pgCtl, Map<String, String> serverEnv) {
        this.base = base;
        this.pgdata = pgdata;
        this.port = port;
        this.pgCtl = pgCtl;
        this.serverEnv = serverEnv;
    }

    /** A fresh world-readable work directory owned by the postgres OS user. */
    public static Path workDirectory(String prefix) throws IOException {
        Path dir = Files.createTempDirectory(prefix);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        chownToPostgres(dir);
        return dir;
    }

    public static void chownToPostgres(Path path) throws IOException {
        if (PgCtl.isRoot()) {
            UserPrincipal owner = path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(OS_USER);
            Files.setOwner(path, owner);
        }
    }

    /**
     * Creates and starts a cluster.
     *
     * @param base      work directory (owned by postgres), the cluster goes to base/name
     * @param extraConf postgresql.conf lines appended after the defaults
     * @param serverEnv environment for the server process (reaches archive_command)
     */
    public static PgTestCluster start(Path base, String name, String extraConf, Map<String, String> serverEnv)
            throws IOException {
        return start(base, name, extraConf, serverEnv, PgCtl.findBinDir(System.getenv("PGVAULT_IT_PG_BIN")));
    }

    /**
     * Creates and starts a cluster with the server programs of {@code binDir} (any supported major, e.g. binaries
     * unpacked from Maven Central for a version the system does not ship).
     *
     * @param binDir directory holding initdb, pg_ctl and postgres
     */
    public static PgTestCluster start(Path base, String name, String extraConf, Map<String, String> serverEnv,
            Path binDir) throws IOException {
        return start(base, name, extraConf, serverEnv, binDir, true);
    }

    /**
     * Creates and starts a cluster with or without data checksums (PostgreSQL's initdb default before 18 is
     * without).
     */
    public static PgTestCluster start(Path base, String name, String extraConf, Map<String, String> serverEnv,
            Path binDir, boolean dataChecksums) throws IOException {
        PgCtl pgCtl = new PgCtl(binDir, OS_USER);
        Path pgdata = base.resolve(name);
        List<String> options = new ArrayList<>(List.of("-U", "postgres", "--auth=trust", "-E", "UTF8"));
        if (dataChecksums) {
            options.add("-k");
        }
        if (majorVersionOf(pgCtl) >= 14) {
            options.add("--no-instructions"); // initdb of 13 does not know it
        }
        pgCtl.initdb(pgdata, options);
        int port = freePort();
        String conf = "\nport = " + port + "\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '" + base
                + "'\nwal_level = replica\nmax_wal_senders = 4\nfsync = on\nshared_buffers = 64MB\n"
                + "checkpoint_timeout = 30min\nmax_wal_size = 1GB\n" + extraConf + "\n";
        Files.writeString(pgdata.resolve("postgresql.conf"), conf, StandardOpenOption.APPEND);
        PgTestCluster cluster = new PgTestCluster(base, pgdata, port, pgCtl, serverEnv);
        cluster.startServer();
        return cluster;
    }

    /** Wraps an existing (e.g. restored) data directory; call {@link #startServer()} to run it. */
    public static PgTestCluster existing(Path pgdata, int port, Map<String, String> serverEnv) {
        return existing(pgdata, port, serverEnv, PgCtl.findBinDir(System.getenv("PGVAULT_IT_PG_BIN")));
    }

    /** Like {@link #existing(Path, int, Map)}, run by the server programs of {@code binDir}. */
    public static PgTestCluster existing(Path pgdata, int port, Map<String, String> serverEnv, Path binDir) {
        return new PgTestCluster(pgdata.getParent(), pgdata, port, new PgCtl(binDir, OS_USER), serverEnv);
    }

    /** The major version of the programs {@code pgCtl} runs, from {@code initdb --version} (e.g. 13). */
    public static int majorVersionOf(PgCtl pgCtl) {
        PgCtl.Result r = pgCtl.run(List.of(pgCtl.binDir().resolve("initdb").toString(), "--version"), Map.of(),
                Duration.ofSeconds(30));
        Matcher m = Pattern.compile("\\(PostgreSQL\\) (\\d+)").matcher(r.output());
        if (r.exitCode() != 0 || !m.find()) {
            throw new IllegalStateException("cannot tell the version of " + pgCtl.binDir() + ": " + r.output());
        }
        return Integer.parseInt(m.group(1));
    }

    public void startServer() {
        pgCtlWithEnv("start");
    }

    private void pgCtlWithEnv(String action) {
        Path log = base.resolve(pgdata.getFileName() + ".log");
        PgCtl.Result r = pgCtl.run(List.of(pgCtl.binDir().resolve("pg_ctl").toString(), "-D", pgdata.toString(), "-l",
                log.toString(), "-w", "-t", "300", action), serverEnv, Duration.ofMinutes(6));
        if (r.exitCode() != 0) {
            String tail;
            try {
                tail = Files.exists(log) ? String.join("\n", Files.readAllLines(log).stream()
                        .skip(Math.max(0, Files.readAllLines(log).size() - 15)).toList()) : "";
            } catch (IOException e) {
                tail = e.toString();
            }
            throw new IllegalStateException("pg_ctl " + action + " failed for " + pgdata + ": " + r.output() + "\n"
                    + tail);
        }
    }

    public void stop() {
        pgCtl.stop(pgdata, "fast");
        keepServerLog();
    }

    public void stopImmediately() {
        pgCtl.stop(pgdata, "immediate");
        keepServerLog();
    }

    /**
     * Copies the server log (where archive_command and restore_command write) to {@code <pgvault.it.output>/
     * server-logs} when that system property is set, so a suite can check everything its programs printed.
     */
    private void keepServerLog() {
        String out = System.getProperty("pgvault.it.output");
        Path log = base.resolve(pgdata.getFileName() + ".log");
        if (out == null || !Files.isRegularFile(log)) {
            return;
        }
        try {
            Path dir = Files.createDirectories(Path.of(out, "server-logs"));
            Files.copy(log, dir.resolve(System.nanoTime() + "-" + log.getFileName()));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot keep " + log, e);
        }
    }

    public Path pgdata() {
        return pgdata;
    }

    public int port() {
        return port;
    }

    public Path base() {
        return base;
    }

    public PgCtl pgCtl() {
        return pgCtl;
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres");
    }

    public void execute(String... statements) throws SQLException {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            for (String s : statements) {
                st.execute(s);
            }
        }
    }

    public String queryString(String sql) throws SQLException {
        try (Connection c = connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    public long queryLong(String sql) throws SQLException {
        return Long.parseLong(queryString(sql));
    }

    /** Switches WAL and waits until PostgreSQL has archived everything written so far. */
    public void switchAndAwaitArchived(Duration timeout) throws SQLException, InterruptedException {
        String wanted = queryString("SELECT pg_walfile_name(pg_switch_wal())");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String last = queryString("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver");
            if (last.compareTo(wanted) >= 0) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("WAL " + wanted + " not archived within " + timeout + "; archiver: "
                + queryString("SELECT last_failed_wal || ' ' || coalesce(last_failed_time::text,'') FROM pg_stat_archiver"));
    }

    /** Waits until a restored server has left recovery (promoted). */
    public void awaitPromotion(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if ("f".equals(queryString("SELECT pg_is_in_recovery()"))) {
                    return;
                }
            } catch (SQLException retry) {
                // still starting up
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("server on port " + port + " did not finish recovery within " + timeout);
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        stopImmediately();
    }

    /**
     * Removes a work directory and everything below it. A process still finishing in it (a WAL prefetcher of a
     * stopped server removing its queue) may add or remove files meanwhile: the walk is retried a few times.
     */
    public static void deleteTree(Path dir) throws IOException {
        for (int attempt = 1; ; attempt++) {
            if (dir == null || !Files.exists(dir)) {
                return;
            }
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                    Files.deleteIfExists(p);
                }
                return;
            } catch (java.nio.file.DirectoryNotEmptyException | java.io.UncheckedIOException e) {
                if (attempt >= 10) {
                    throw e;
                }
                try {
                    Thread.sleep(500);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }
}
