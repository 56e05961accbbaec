package io.pgvault.restore;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.info.InfoService;
import io.pgvault.core.info.TimelineTree;
import io.pgvault.core.pg.Lsn;
import io.pgvault.core.pg.PgSession;
import io.pgvault.core.pg.TimelineId;
import io.pgvault.core.repo.RepositoryReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;

/**
 * Tells whether a standby (or a former primary) can follow the newest timeline after a promotion elsewhere — a PITR,
 * a failover — or must be rebuilt: a server that replayed its timeline past the point where the new timeline
 * branched off holds changes the new timeline never had. A stopped server is judged by its control file, a running
 * one by what it reports it replayed.
 */
public final class StandbyCheck {

    /** The verdict. */
    public enum Status {
        /** Already on the target timeline. */
        ON_TIMELINE,
        /** On an ancestor timeline, not past the switch point: it follows the target timeline by itself. */
        CAN_FOLLOW,
        /** Past the switch point, or on another branch: rebuild it. */
        MUST_REBUILD
    }

    /**
     * @param status          the verdict
     * @param timeline        the server's timeline
     * @param position        how far it replayed (or wrote, for a primary)
     * @param source          where the position comes from (control file or the running server)
     * @param targetTimeline  the timeline it should follow
     * @param switchPoint     where the target timeline branched off the server's timeline, when it did
     * @param message         one line for people
     */
    public record Verdict(Status status, TimelineId timeline, Lsn position, String source, TimelineId targetTimeline,
                          Lsn switchPoint, String message) {
    }

    private final RepositoryReader repository;

    public StandbyCheck(RepositoryReader repository) {
        this.repository = repository;
    }

    /**
     * Checks the server in {@code pgdata} against {@code targetTimeline} (a number, or null/latest for the newest in
     * the archive).
     */
    public Verdict check(Path pgdata, String pgBinHint, ServerLogin login, String targetTimeline) {
        TimelineTree tree = new InfoService(repository).timelines();
        TimelineId target = targetTimeline == null || targetTimeline.equals("latest") ? tree.latest()
                : TimelineId.parseDecimal(targetTimeline);
        Position at = position(pgdata, pgBinHint, login);
        Optional<Lsn> switchPoint = tree.switchPoint(at.timeline(), target);
        Status status;
        String message;
        if (at.timeline().equals(target)) {
            status = Status.ON_TIMELINE;
            message = pgdata + " is on timeline " + target + " (at " + at.lsn() + "): it follows the newest timeline";
        } else if (switchPoint.isPresent() && !at.lsn().isAfter(switchPoint.get())) {
            status = Status.CAN_FOLLOW;
            message = pgdata + " is on timeline " + at.timeline() + " at " + at.lsn() + ", not past where timeline "
                    + target + " branched off at " + switchPoint.get() + ": it can follow timeline " + target
                    + " (recovery_target_timeline = latest)";
        } else {
            status = Status.MUST_REBUILD;
            message = pgdata + " is on timeline " + at.timeline() + " at " + at.lsn()
                    + switchPoint.map(s -> ", past where timeline " + target + " branched off at " + s)
                            .orElse(", which is not on the history of timeline " + target)
                    + ": it must be rebuilt (pgvault standby --delta --pgdata " + pgdata + " --primary-conninfo ...)";
        }
        return new Verdict(status, at.timeline(), at.lsn(), at.source(), target, switchPoint.orElse(null), message);
    }

    private record Position(TimelineId timeline, Lsn lsn, String source) {
    }

    private static Position position(Path pgdata, String pgBinHint, ServerLogin login) {
        if (!Files.isRegularFile(pgdata.resolve("PG_VERSION"))) {
            throw new PgVaultException(ErrorCode.NOT_FOUND, pgdata + " is not a PostgreSQL data directory (no "
                    + "PG_VERSION); check --pgdata");
        }
        Optional<PostmasterPid> pid = PostmasterPid.read(pgdata).filter(PostmasterPid::alive);
        if (pid.isPresent() && pid.get().host() != null) {
            try (PgSession s = PgSession.open(login.at(pid.get().host(), pid.get().port()))) {
                return running(s);
            } catch (SQLException e) {
                throw new PgVaultException(ErrorCode.POSTGRES, "cannot read the replay position of the server in "
                        + pgdata + ": " + e.getMessage(), e);
            }
        }
        ManagedRecovery server = ManagedRecovery.forDataDirectory(pgdata, pgBinHint, major(pgdata), login, null,
                Map.of());
        ControlData c = server.controlData().orElseThrow(() -> new PgVaultException(ErrorCode.NOT_FOUND,
                "cannot read the control file of " + pgdata + " (pg_controldata is missing or failed; --pg-bin)"));
        Lsn lsn = c.minRecoveryPoint().isAfter(c.checkpoint()) ? c.minRecoveryPoint() : c.checkpoint();
        TimelineId tl = c.minRecoveryTimeline() != null ? c.minRecoveryTimeline() : c.checkpointTimeline();
        return new Position(tl, lsn, "control file (" + c.state() + ")");
    }

    private static Position running(PgSession s) throws SQLException {
        if (!s.isInRecovery()) {
            return new Position(RecoveryQueries.currentTimeline(s),
                    Lsn.parse(s.queryString("SELECT pg_current_wal_lsn()")), "running primary");
        }
        Lsn replay = RecoveryQueries.replayLsn(s);
        String streaming = s.queryString(
                "SELECT (SELECT received_tli FROM pg_stat_wal_receiver WHERE status = 'streaming')");
        TimelineId tl = streaming != null ? TimelineId.parseDecimal(streaming) : RecoveryQueries.recoveryTimeline(s);
        return new Position(tl, replay == null ? Lsn.ZERO : replay, "running standby");
    }

    private static int major(Path pgdata) {
        try {
            return (int) Double.parseDouble(Files.readString(pgdata.resolve("PG_VERSION")).trim());
        } catch (IOException | NumberFormatException e) {
            throw new PgVaultException(ErrorCode.LOCAL_IO, "cannot read " + pgdata.resolve("PG_VERSION") + ": "
                    + e.getMessage(), e);
        }
    }
}
