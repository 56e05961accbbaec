package io.pgvault.core.pg;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * One JDBC connection to the server, with the version-specific SQL pgvault needs. The non-exclusive backup started on
 * a session lives as long as the session: closing it aborts an unfinished backup on the server side.
 * Not thread-safe.
 */
public final class PgSession implements AutoCloseable {

    private final Connection connection;
    private final PgConnectionSettings settings;
    private final int versionNum;

    private PgSession(Connection connection, PgConnectionSettings settings) throws SQLException {
        this.connection = connection;
        this.settings = settings;
        this.versionNum = Integer.parseInt(queryString("SHOW server_version_num"));
    }

    /**
     * Connects.
     *
     * @throws PgVaultException POSTGRES with the server's reason and what to check
     */
    public static PgSession open(PgConnectionSettings settings) {
        return open(settings, new Properties());
    }

    /**
     * Connects in replication mode ({@code replication=database}, simple query protocol): the connection accepts
     * replication commands (IDENTIFY_SYSTEM, START_REPLICATION through pgjdbc's replication API) and plain SQL.
     * The role needs the REPLICATION attribute and a {@code replication} line in pg_hba.conf.
     *
     * @throws PgVaultException POSTGRES with the server's reason and what to check
     */
    public static PgSession openReplication(PgConnectionSettings settings) {
        Properties props = new Properties();
        org.postgresql.PGProperty.REPLICATION.set(props, "database");
        org.postgresql.PGProperty.ASSUME_MIN_SERVER_VERSION.set(props, "10");
        org.postgresql.PGProperty.PREFER_QUERY_MODE.set(props, "simple");
        return open(settings, props);
    }

    private static PgSession open(PgConnectionSettings settings, Properties props) {
        props.setProperty("user", settings.user());
        if (settings.password() != null) {
            props.setProperty("password", settings.password());
        }
        props.setProperty("ApplicationName", "pgvault");
        props.setProperty("connectTimeout", "10");
        props.setProperty("tcpKeepAlive", "true");
        String host = settings.host();
        if (settings.isUnixSocket()) {
            // as libpq does: a host that is a directory means the server's Unix-domain socket in it, which is
            // what peer authentication (Debian's default for local connections) needs
            props.setProperty("socketFactory", "org.newsclub.net.unix.AFUNIXSocketFactory$FactoryArg");
            props.setProperty("socketFactoryArg", settings.host() + "/.s.PGSQL." + settings.port());
            host = "localhost";
        }
        String url = "jdbc:postgresql://" + hostForUrl(host) + ":" + settings.port() + "/"
                + settings.database();
        try {
            Connection c = DriverManager.getConnection(url, props);
            c.setAutoCommit(true);
            return new PgSession(c, settings);
        } catch (SQLException e) {
            throw new PgVaultException(ErrorCode.POSTGRES, "cannot connect to PostgreSQL at " + settings.describe()
                    + ": " + firstLine(e) + " (check --pg-host/--pg-port/--pg-user and the password in PGPASSWORD or ~/.pgpass)", e);
        }
    }

    private static String hostForUrl(String host) {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    static String firstLine(SQLException e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m.lines().findFirst().orElse("");
    }

    public Connection connection() {
        return connection;
    }

    /** server_version_num, e.g. 150018. */
    public int versionNum() {
        return versionNum;
    }

    public int majorVersion() {
        return versionNum / 10000;
    }

    public String queryString(String sql) throws SQLException {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private String query(String sql, String what) {
        try {
            return queryString(sql);
        } catch (SQLException e) {
            throw sqlFailure(what, e);
        }
    }

    private PgVaultException sqlFailure(String what, SQLException e) {
        return new PgVaultException(ErrorCode.POSTGRES, "cannot " + what + " on " + settings.describe() + ": "
                + firstLine(e), e);
    }

    /** The cluster's system identifier (unsigned, decimal). */
    public String systemIdentifier() {
        return query("SELECT system_identifier::text FROM pg_control_system()", "read the system identifier");
    }

    public WalSegmentSize walSegmentSize() {
        return new WalSegmentSize(Long.parseLong(query(
                "SELECT pg_size_bytes(current_setting('wal_segment_size'))::text", "read wal_segment_size")));
    }

    /** The timeline of the server's latest checkpoint: its current timeline on a primary. */
    public TimelineId currentTimeline() {
        return TimelineId.of(Long.parseLong(query("SELECT timeline_id::text FROM pg_control_checkpoint()",
                "read the current timeline")));
    }

    public boolean isInRecovery() {
        return "t".equals(query("SELECT pg_is_in_recovery()", "check recovery state"));
    }

    public String setting(String name) {
        try (PreparedStatement ps = connection.prepareStatement("SELECT current_setting(?, true)")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        } catch (SQLException e) {
            throw sqlFailure("read setting " + name, e);
        }
    }

    public List<Tablespace> tablespaces() {
        List<Tablespace> result = new ArrayList<>();
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT oid, spcname, pg_tablespace_location(oid) FROM pg_tablespace "
                        + "WHERE spcname NOT IN ('pg_default', 'pg_global') ORDER BY oid")) {
            while (rs.next()) {
                result.add(new Tablespace(rs.getLong(1), rs.getString(2), rs.getString(3)));
            }
        } catch (SQLException e) {
            throw sqlFailure("list tablespaces", e);
        }
        return result;
    }

    /** Starts a non-exclusive backup with an immediate checkpoint; returns its start LSN. */
    public Lsn startBackup(String label) {
        String sql = majorVersion() >= 15 ? "SELECT pg_backup_start(?, true)::text"
                : "SELECT pg_start_backup(?, true, false)::text";
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            ps.setString(1, label);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return Lsn.parse(rs.getString(1));
            }
        } catch (SQLException e) {
            throw sqlFailure("start the backup (pgvault needs superuser or EXECUTE on the backup functions)", e);
        }
    }

    /**
     * Ends the non-exclusive backup without waiting for archiving (pgvault checks the repository itself).
     * PostgreSQL switches to a new WAL segment, so the last segment the backup needs becomes archivable.
     */
    public BackupStopResult stopBackup() {
        String sql = majorVersion() >= 15 ? "SELECT lsn::text, labelfile, spcmapfile FROM pg_backup_stop(false)"
                : "SELECT lsn::text, labelfile, spcmapfile FROM pg_stop_backup(false, false)";
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return new BackupStopResult(Lsn.parse(rs.getString(1)), rs.getString(2), rs.getString(3));
        } catch (SQLException e) {
            throw sqlFailure("stop the backup", e);
        }
    }

    /** Last archive failure from pg_stat_archiver, for error messages; empty string when none. */
    public String lastArchiveFailure() {
        try {
            String wal = queryString("SELECT coalesce(last_failed_wal, '') || ' at ' || coalesce(last_failed_time::text, '') "
                    + "FROM pg_stat_archiver WHERE last_failed_wal IS NOT NULL "
                    + "AND (last_archived_time IS NULL OR last_failed_time > last_archived_time)");
            return wal == null ? "" : wal;
        } catch (SQLException e) {
            return "";
        }
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // closing a connection we are done with; the server cleans up either way
        }
    }
}
