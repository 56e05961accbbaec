package io.pgvault.restore;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.pg.Lsn;
import io.pgvault.core.pg.PgCtl;
import io.pgvault.core.pg.PgSession;
import io.pgvault.core.pg.TimelineHistory;
import io.pgvault.core.pg.TimelineId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Starts a restored server as the owner of its data directory (PostgreSQL refuses root) and follows its recovery
 * until it promotes, pauses or shuts down at the target — or stops short of it, which is reported from the server's
 * own log ("recovery ended before configured recovery target was reached"). The server is watched through its
 * postmaster.pid and over a JDBC connection to the address and port it listens on.
 */
public final class ManagedRecovery {

    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(10);

    private final PgCtl pgCtl;
    private final Path pgdata;
    private final Path logFile;
    private final ServerLogin login;
    private final Map<String, String> serverEnv;
    private ServerLog log;
    private Integer port;

    ManagedRecovery(PgCtl pgCtl, Path pgdata, Path logFile, ServerLogin login, Map<String, String> serverEnv) {
        this.pgCtl = pgCtl;
        this.pgdata = pgdata;
        this.logFile = logFile;
        this.login = login;
        this.serverEnv = serverEnv;
    }

    /**
     * Prepares to run the server of a data directory.
     *
     * @param pgBinHint --pg-bin, or null for the binaries of {@code pgMajor}
     * @param logFile   where pg_ctl sends the server's output; null for {@code log/pgvault-start.log} in pgdata
     * @param serverEnv extra environment for the server (restore_command inherits it)
     * @throws PgVaultException REFUSED when pgvault runs as root and root owns the data directory
     */
    public static ManagedRecovery forDataDirectory(Path pgdata, String pgBinHint, int pgMajor, ServerLogin login,
                                                   Path logFile, Map<String, String> serverEnv) {
        String osUser = null;
        if (PgCtl.isRoot()) {
            try {
                osUser = Files.getOwner(pgdata).getName();
            } catch (IOException e) {
                throw new PgVaultException(ErrorCode.LOCAL_IO, "cannot read the owner of " + pgdata + ": "
                        + e.getMessage(), e);
            }
            if ("root".equals(osUser)) {
                throw new PgVaultException(ErrorCode.REFUSED, pgdata + " belongs to root and PostgreSQL refuses to "
                        + "run as root: give it to the database's OS user (chown -R postgres: " + pgdata
                        + ") or restore into a directory that user owns");
            }
        }
        Path log = logFile != null ? logFile : pgdata.resolve("log").resolve("pgvault-start.log");
        return new ManagedRecovery(new PgCtl(PgBinaries.find(pgBinHint, pgMajor), osUser), pgdata, log, login,
                serverEnv);
    }

    public Path logFile() {
        return logFile;
    }

    /** The data directory's control file, when pg_controldata is installed. */
    Optional<ControlData> controlData() {
        return ControlData.read(pgCtl, pgdata);
    }

    /**
     * Starts the server, follows recovery when {@code wait} is set, and runs the hooks once it has promoted.
     *
     * @param timeout how long to follow recovery; zero for as long as it takes
     * @throws PgVaultException TARGET_NOT_REACHED when recovery ended before the target, POSTGRES when the server
     *                          failed, TIMEOUT when the timeout passed (the server keeps running)
     */
    public RecoveryOutcome run(RecoveryTarget target, TargetAction action, boolean wait, Duration timeout,
                               List<PromotionHook> hooks, Consumer<String> progress) {
        RecoveryOutcome started = start(target, action);
        if (!wait || started.state() != RecoveryOutcome.State.STARTED) {
            return started;
        }
        RecoveryOutcome outcome = follow(target, action, timeout, progress);
        if (outcome.state() == RecoveryOutcome.State.PROMOTED) {
            PromotionHook.PromotedServer server = new PromotionHook.PromotedServer(pgdata,
                    login.at(PostmasterPid.read(pgdata).map(PostmasterPid::host).orElse("127.0.0.1"), outcome.port()),
                    outcome);
            for (PromotionHook hook : hooks) {
                hook.promoted(server);
            }
        }
        return outcome;
    }

    /** Starts the server without waiting for recovery; returns once its postmaster runs. */
    public RecoveryOutcome start(RecoveryTarget target, TargetAction action) {
        prepareLogFile();
        log = ServerLog.from(logFile, pgdata);
        PgCtl.Result r = pgCtl.run(List.of(pgCtl.binDir().resolve("pg_ctl").toString(), "-D", pgdata.toString(),
                "-l", logFile.toString(), "-W", "start"), serverEnv, Duration.ofSeconds(60));
        if (r.exitCode() != 0) {
            throw new PgVaultException(ErrorCode.POSTGRES, "pg_ctl start failed for " + pgdata + " (exit "
                    + r.exitCode() + "): " + r.output().strip().lines().reduce((a, b) -> b).orElse(""));
        }
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        boolean seen = false;
        while (System.nanoTime() < deadline) {
            Optional<PostmasterPid> pid = PostmasterPid.read(pgdata);
            if (pid.isPresent() && pid.get().alive()) {
                port = pid.get().port();
                if (seen) {
                    return new RecoveryOutcome(RecoveryOutcome.State.STARTED, null, null, null, null, null, null,
                            pid.get().pid(), port, logFile);
                }
                seen = true; // look once more: a server that cannot bind its port exits right after starting
            } else if (seen || ServerLog.lastError(log.text()).isPresent()) {
                return ended(target, action, null, null);
            }
            sleep(Duration.ofMillis(seen ? 1000 : 200));
        }
        throw new PgVaultException(ErrorCode.TIMEOUT, "the server in " + pgdata + " did not start within "
                + START_TIMEOUT.toSeconds() + "s; see " + logFile);
    }

    /** Follows a started server's recovery until it promotes, pauses or shuts down, or fails. */
    public RecoveryOutcome follow(RecoveryTarget target, TargetAction action, Duration timeout,
                                  Consumer<String> progress) {
        long deadline = timeout.isZero() ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
        long nextProgress = System.nanoTime() + PROGRESS_EVERY.toNanos();
        PgSession session = null;
        Lsn replayed = null;
        OffsetDateTime lastXact = null;
        try {
            while (true) {
                Optional<PostmasterPid> pid = PostmasterPid.read(pgdata);
                if (pid.isEmpty() || !pid.get().alive()) {
                    return ended(target, action, replayed, lastXact);
                }
                port = pid.get().port();
                if (session == null && pid.get().acceptsConnections()) {
                    session = tryConnect(pid.get());
                }
                if (session != null) {
                    try {
                        if (!session.isInRecovery()) {
                            return promoted(session, pid.get());
                        }
                        replayed = RecoveryQueries.replayLsn(session);
                        lastXact = RecoveryQueries.lastTransaction(session);
                        if (RecoveryQueries.isPaused(session)) {
                            return new RecoveryOutcome(RecoveryOutcome.State.PAUSED, replayed, lastXact,
                                    RecoveryQueries.recoveryTimeline(session), null, null,
                                    ServerLog.stoppingLine(log.text()).orElse(null), pid.get().pid(), port, logFile);
                        }
                    } catch (PgVaultException | SQLException e) {
                        session.close();
                        session = null; // shutting down or restarting: the pid file tells
                    }
                }
                if (System.nanoTime() > nextProgress) {
                    progress.accept("recovering: replayed up to " + (replayed == null ? "(not consistent yet)"
                            : replayed + (lastXact == null ? "" : ", last transaction " + lastXact)));
                    nextProgress = System.nanoTime() + PROGRESS_EVERY.toNanos();
                }
                if (System.nanoTime() > deadline) {
                    throw new PgVaultException(ErrorCode.TIMEOUT, "recovery of " + pgdata + " did not reach "
                            + target.describe() + " within " + timeout.toSeconds() + "s (replayed up to "
                            + (replayed == null ? "?" : replayed) + "); the server keeps running, see " + logFile);
                }
                sleep(POLL);
            }
        } finally {
            if (session != null) {
                session.close();
            }
        }
    }

    private PgSession tryConnect(PostmasterPid pid) {
        String host = pid.host();
        if (host == null) {
            throw new PgVaultException(ErrorCode.CONFIG, "the server in " + pgdata + " listens on no TCP address "
                    + "(listen_addresses is empty); pgvault follows recovery over TCP: set listen_addresses");
        }
        try {
            return PgSession.open(login.at(host, pid.port()));
        } catch (PgVaultException e) {
            if (e.getCause() instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("28") || sql.getSQLState().equals("3D000"))) {
                throw e; // wrong login or database: waiting will not help
            }
            return null; // not accepting connections yet (starting up, not consistent)
        }
    }

    private RecoveryOutcome promoted(PgSession session, PostmasterPid pid) throws SQLException {
        TimelineId timeline = RecoveryQueries.currentTimeline(session);
        TimelineHistory.Entry branch = readHistory(timeline).map(h -> h.entries().isEmpty() ? null
                : h.entries().get(h.entries().size() - 1)).orElse(null);
        return new RecoveryOutcome(RecoveryOutcome.State.PROMOTED, RecoveryQueries.replayLsn(session),
                RecoveryQueries.lastTransaction(session),
                timeline, branch == null ? null : branch.parent(), branch == null ? null : branch.switchPoint(),
                ServerLog.stoppingLine(log.text()).orElse(null), pid.pid(), pid.port(), logFile);
    }

    private Optional<TimelineHistory> readHistory(TimelineId timeline) {
        Path file = pgdata.resolve("pg_wal").resolve(timeline.hex() + ".history");
        try {
            return Optional.of(TimelineHistory.parse(timeline, Files.readString(file, StandardCharsets.UTF_8)));
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The server is gone: it shut down at the target, or recovery failed; the log and control file tell which. */
    private RecoveryOutcome ended(RecoveryTarget target, TargetAction action, Lsn replayed, OffsetDateTime lastXact) {
        String text = log.text();
        if (text.contains(ServerLog.TARGET_NOT_REACHED)) {
            String at = ServerLog.redoDoneAt(text).map(l -> " at " + l).orElse("")
                    + ServerLog.lastTransactionTime(text).map(t -> " (last transaction " + t + ")").orElse("");
            throw new PgVaultException(ErrorCode.TARGET_NOT_REACHED, "recovery ended" + at + " before reaching "
                    + target.describe() + ": the archive has no more WAL on the way to it; the server stopped "
                    + "without promoting (log: " + logFile + ")");
        }
        Optional<ControlData> control = ControlData.read(pgCtl, pgdata);
        boolean atTarget = control.map(c -> c.state().equals("shut down in recovery"))
                .orElse(text.contains("shutdown at recovery target")) && action != TargetAction.PROMOTE;
        if (atTarget) {
            Lsn lsn = replayed;
            TimelineId timeline = null;
            if (control.isPresent()) {
                Lsn min = control.get().minRecoveryPoint();
                lsn = lsn == null || min.isAfter(lsn) ? min : lsn;
                timeline = control.get().minRecoveryTimeline() != null ? control.get().minRecoveryTimeline()
                        : control.get().checkpointTimeline();
            }
            return new RecoveryOutcome(RecoveryOutcome.State.SHUT_DOWN, lsn, lastXact, timeline, null, null,
                    ServerLog.stoppingLine(text).orElse(null), null, port, logFile);
        }
        String why = ServerLog.lastError(text).orElse("no error was logged, cluster state: "
                + control.map(ControlData::state).orElse("unknown"));
        throw new PgVaultException(ErrorCode.POSTGRES, "the server in " + pgdata + " stopped during recovery: "
                + why + " (log: " + logFile + ")");
    }

    private void prepareLogFile() {
        try {
            FileOwner owner = FileOwner.forTarget(pgdata);
            Path dir = logFile.getParent();
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir);
                Files.setPosixFilePermissions(dir, FileRestorer.permissions(0700));
                owner.apply(dir);
            }
            if (!Files.exists(logFile)) {
                Files.createFile(logFile);
                owner.apply(logFile);
            }
        } catch (IOException e) {
            throw new PgVaultException(ErrorCode.LOCAL_IO, "cannot create the server log " + logFile + ": "
                    + e.getMessage(), e);
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgVaultException(ErrorCode.INTERNAL, "interrupted while following recovery");
        }
    }
}
