package io.pgvault.scheduler;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.UUID;
import org.quartz.utils.ConnectionProvider;
import org.quartz.utils.DBConnectionManager;

/**
 * Quartz's clustered JDBC job store on PostgreSQL, for agents on several hosts sharing one schedule: each job fires
 * on one agent only, and when an agent dies its jobs fire on the others (a backup it was running is run again by the
 * agent that notices, {@code requestsRecovery}). pgvault creates the tables (Quartz's own PostgreSQL schema, names
 * prefixed {@code pgvault_qrtz_}) when they are missing, under an advisory lock so that agents starting together do
 * not race. Connections come from a small HikariCP pool over pgjdbc; the password comes from PGPASSWORD or the
 * pgpass file (pgjdbc reads it), never from the URL shown in messages.
 */
public final class JdbcJobStore implements AutoCloseable {

    /** Table name prefix; Quartz's unquoted names fold to lower case in PostgreSQL. */
    public static final String TABLE_PREFIX = "PGVAULT_QRTZ_";

    private static final long ADVISORY_LOCK = 0x7067_7661_756c_7401L; // "pgvault" + 1

    private final String url;
    private final Duration checkin;
    private final HikariDataSource pool;
    private final String schedulerName;
    private final String providerName = "pgvault-" + UUID.randomUUID();

    /**
     * Connects and creates the tables when missing.
     *
     * @param url      a pgjdbc URL, e.g. {@code jdbc:postgresql://db1:5432/pgvault?user=pgvault}
     * @param password the password, or null for pgpass / trust
     * @param checkin  how often agents record that they are alive; another agent takes over a dead one's jobs
     *                 after a few of these
     * @param cluster  the cluster whose agents share the store (the Quartz scheduler name)
     * @throws PgVaultException CONFIG for a URL that is not a PostgreSQL one, POSTGRES when it cannot be used
     */
    public JdbcJobStore(String url, String password, Duration checkin, String cluster) {
        if (url == null || !url.startsWith("jdbc:postgresql:")) {
            throw new PgVaultException(ErrorCode.CONFIG, "job-store must be 'memory' or a PostgreSQL JDBC URL "
                    + "(jdbc:postgresql://HOST:PORT/DATABASE?user=NAME), got '" + url + "'");
        }
        if (url.toLowerCase(Locale.ROOT).contains("password=")) {
            throw new PgVaultException(ErrorCode.CONFIG, "job-store URL must not carry a password (it would show "
                    + "in process lists and logs); give it in PGPASSWORD or the pgpass file");
        }
        if (checkin.isNegative() || checkin.toMillis() < 500) {
            throw new PgVaultException(ErrorCode.CONFIG, "the job store check-in interval must be at least 500 ms");
        }
        this.url = url;
        this.checkin = checkin;
        this.schedulerName = "pgvault-" + cluster;
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        if (password != null && !password.isEmpty()) {
            config.setPassword(password);
        }
        config.setPoolName("pgvault-job-store");
        config.setMaximumPoolSize(4);
        config.setMinimumIdle(1);
        config.setAutoCommit(false);
        config.setConnectionTimeout(10_000);
        config.setInitializationFailTimeout(-1); // our own check below says what is wrong in one line
        pool = new HikariDataSource(config);
        try {
            createTables();
        } catch (SQLException | RuntimeException e) {
            pool.close();
            throw new PgVaultException(ErrorCode.POSTGRES, "cannot use the job store " + url + ": "
                    + firstLine(e) + "; check the URL, that the database exists and the user may create tables",
                    e);
        }
        DBConnectionManager.getInstance().addConnectionProvider(providerName, new ConnectionProvider() {
            @Override
            public Connection getConnection() throws SQLException {
                return pool.getConnection();
            }

            @Override
            public void shutdown() {
                // the pool is closed with the job store
            }

            @Override
            public void initialize() {
                // the pool exists already
            }
        });
    }

    /** The job store's Quartz properties for the agents of one cluster (they share the scheduler name). */
    Properties quartzProperties() {
        Properties p = new Properties();
        p.setProperty("org.quartz.scheduler.instanceName", schedulerName);
        p.setProperty("org.quartz.scheduler.instanceId", "AUTO");
        p.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
        p.setProperty("org.quartz.jobStore.driverDelegateClass", "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate");
        p.setProperty("org.quartz.jobStore.dataSource", providerName);
        p.setProperty("org.quartz.jobStore.tablePrefix", TABLE_PREFIX);
        p.setProperty("org.quartz.jobStore.isClustered", "true");
        p.setProperty("org.quartz.jobStore.clusterCheckinInterval", Long.toString(checkin.toMillis()));
        p.setProperty("org.quartz.jobStore.acquireTriggersWithinLock", "true");
        p.setProperty("org.quartz.jobStore.misfireThreshold", "60000");
        return p;
    }

    /** The URL (it carries no password). */
    public String url() {
        return url;
    }

    private void createTables() throws SQLException {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("SELECT pg_advisory_xact_lock(" + ADVISORY_LOCK + ")");
            boolean exists;
            try (var rs = s.executeQuery("SELECT to_regclass('" + TABLE_PREFIX.toLowerCase(Locale.ROOT)
                    + "locks') IS NOT NULL")) {
                rs.next();
                exists = rs.getBoolean(1);
            }
            if (!exists) {
                for (String statement : schema()) {
                    s.execute(statement);
                }
            }
            // Quartz inserts its lock rows on first use; two agents starting together would both insert, and the
            // loser's transaction is then aborted (PostgreSQL) and its start fails: the rows are made here instead
            try (var insert = c.prepareStatement("INSERT INTO " + TABLE_PREFIX + "LOCKS (SCHED_NAME, LOCK_NAME) "
                    + "VALUES (?, ?) ON CONFLICT DO NOTHING")) {
                for (String lock : List.of("TRIGGER_ACCESS", "STATE_ACCESS", "JOB_ACCESS", "CALENDAR_ACCESS",
                        "MISFIRE_ACCESS")) {
                    insert.setString(1, schedulerName);
                    insert.setString(2, lock);
                    insert.executeUpdate();
                }
            }
            c.commit();
        }
    }

    /** Quartz's PostgreSQL schema from its jar, without the DROPs, with pgvault's table prefix. */
    static List<String> schema() {
        String sql;
        try (InputStream in = org.quartz.impl.jdbcjobstore.PostgreSQLDelegate.class
                .getResourceAsStream("/org/quartz/impl/jdbcjobstore/tables_postgres.sql")) {
            if (in == null) {
                throw new IllegalStateException("Quartz's tables_postgres.sql is missing from its jar");
            }
            sql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read Quartz's schema: " + e.getMessage(), e);
        }
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : sql.split("\n")) {
            String l = line.strip();
            if (l.startsWith("--") || l.isEmpty()) {
                continue;
            }
            current.append(line).append('\n');
            if (l.endsWith(";")) {
                String st = current.toString().strip();
                st = st.substring(0, st.length() - 1).strip();
                current.setLength(0);
                String upper = st.toUpperCase(Locale.ROOT);
                if (upper.startsWith("DROP ") || upper.equals("COMMIT")) {
                    continue;
                }
                statements.add(st.replace("QRTZ_", TABLE_PREFIX));
            }
        }
        return statements;
    }

    private static String firstLine(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.lines().findFirst().orElse(m);
    }

    @Override
    public void close() {
        pool.close();
    }
}
