package io.pgvault.restore;

import io.pgvault.core.repo.BackupId;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * A restore as the user asked for it.
 *
 * @param pgdata          target data directory (empty or absent, or an existing one of this cluster with delta)
 * @param backup          the backup to use, or null for the newest that fits the target
 * @param target          where recovery stops
 * @param action          what the server does at the target
 * @param inclusive       whether the target itself is replayed (recovery_target_inclusive), null for the default
 * @param targetTimeline  recovery_target_timeline (latest, current or a number), null for the default (latest)
 * @param restoreCommand  the restore_command to write (calls pgvault wal-fetch on the same repository)
 * @param archiveOff      write archive_mode = off, so the restored server does not archive into the same repository
 * @param tablespaceMap   new locations by tablespace oid (absent ones restore to their original location)
 * @param jobs            parallel workers
 * @param delta           restore into an existing data directory, rewriting only files that differ from the backup
 * @param port            port for the restored server (written to postgresql.auto.conf), null to keep the backup's
 * @param standby         build a standby following a primary instead of a recovery to a target; null otherwise
 */
public record RestoreRequest(Path pgdata, BackupId backup, RecoveryTarget target, TargetAction action,
                             Boolean inclusive, String targetTimeline, String restoreCommand, boolean archiveOff,
                             Map<Long, Path> tablespaceMap, int jobs, boolean delta, Integer port,
                             StandbySettings standby) {
    public RestoreRequest {
        Objects.requireNonNull(pgdata, "pgdata");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(restoreCommand, "restoreCommand");
        tablespaceMap = tablespaceMap == null ? Map.of() : Map.copyOf(tablespaceMap);
        if (jobs < 1 || jobs > 128) {
            throw new IllegalArgumentException("jobs must be between 1 and 128, got " + jobs);
        }
        if (targetTimeline != null && !targetTimeline.matches("latest|current|[1-9][0-9]{0,9}")) {
            throw new IllegalArgumentException("target timeline '" + targetTimeline
                    + "' must be latest, current or a timeline number");
        }
        if (inclusive != null && (target instanceof RecoveryTarget.EndOfArchive
                || target instanceof RecoveryTarget.Immediate)) {
            throw new IllegalArgumentException("--target-inclusive needs a time, LSN, xid or name target");
        }
        if (port != null && (port < 1 || port > 65535)) {
            throw new IllegalArgumentException("port " + port + " is out of range (1-65535)");
        }
        if (standby != null && !(target instanceof RecoveryTarget.EndOfArchive)) {
            throw new IllegalArgumentException("a standby follows its primary: it takes no recovery target");
        }
    }

    /**
     * A standby of the newest backup (or {@code backup}) that replays the archive and then streams from its primary,
     * following the latest timeline.
     */
    public static RestoreRequest standby(Path pgdata, BackupId backup, StandbySettings standby, String restoreCommand,
                                         Map<Long, Path> tablespaceMap, int jobs, boolean delta, Integer port) {
        return new RestoreRequest(pgdata, backup, new RecoveryTarget.EndOfArchive(), TargetAction.PROMOTE, null,
                "latest", restoreCommand, false, tablespaceMap, jobs, delta, port, Objects.requireNonNull(standby));
    }

    /** recovery.signal for a recovery to a target, standby.signal for a standby. */
    String signalFile() {
        return standby == null ? "recovery.signal" : "standby.signal";
    }
}
