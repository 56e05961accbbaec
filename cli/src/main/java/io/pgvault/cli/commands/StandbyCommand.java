package io.pgvault.cli.commands;

import io.pgvault.cli.CommandContext;
import io.pgvault.cli.Output;
import io.pgvault.cli.TerminalProgress;
import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.backup.BackupProgress;
import io.pgvault.core.pg.PgConnectionSettings;
import io.pgvault.core.repo.BackupId;
import io.pgvault.restore.Conninfo;
import io.pgvault.restore.ManagedRecovery;
import io.pgvault.restore.RecoveryOutcome;
import io.pgvault.restore.RestoreRequest;
import io.pgvault.restore.RestoreResult;
import io.pgvault.restore.RestoreService;
import io.pgvault.restore.ServerLogin;
import io.pgvault.restore.StandbyCheck;
import io.pgvault.restore.StandbySettings;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "standby", header = "Build or resync a hot standby from the repository.", sortOptions = false, description = {
    "Build a hot standby from the newest backup: standby.signal, primary_conninfo, restore_command (pgvault",
    "wal-fetch on this repository) and recovery_target_timeline = latest, so the standby replays the archive, then",
    "streams from its primary, and catches up from the archive after any outage longer than the primary keeps WAL.",
    "--delta resyncs an existing standby (or a former primary) in place, rewriting only files that differ.",
    "--check tells whether the standby in --pgdata can follow the newest timeline after a promotion elsewhere (a",
    "PITR, a failover) or must be rebuilt because it replayed past the point where that timeline branched off",
    "(exit 15). The password in --primary-conninfo is written as given and never printed.",
    "Example: pgvault standby --pgdata /var/lib/postgresql/15/main --primary-conninfo 'host=10.0.0.1 user=replicator'"})
public class StandbyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--primary-conninfo", paramLabel = "CONNINFO",
            description = "libpq connection string to the primary (primary_conninfo). Prefer a password in the "
                    + "standby's ~/.pgpass to one in this string, which other users see in the process list.")
    String primaryConninfo;

    @Option(names = "--slot", paramLabel = "NAME",
            description = "Replication slot on the primary (primary_slot_name).")
    String slot;

    @Option(names = "--backup", paramLabel = "ID", defaultValue = "latest",
            description = "Backup to build from, or latest (default).")
    String backup;

    @Option(names = "--delta", description = "Resync an existing standby's data directory in place (server stopped).")
    boolean delta;

    @Option(names = "--check", description = "Only check whether the standby in --pgdata must be rebuilt.")
    boolean check;

    @Option(names = "--target-timeline", paramLabel = "TLI", defaultValue = "latest",
            description = "With --check: the timeline the standby should follow (default: the newest in the archive).")
    String targetTimeline;

    @Option(names = "--port", paramLabel = "PORT",
            description = "Port of the standby, written to postgresql.auto.conf.")
    Integer port;

    @Option(names = "--start", description = "Start the standby once built (as the data directory's owner).")
    boolean start;

    @Option(names = "--pg-bin", paramLabel = "DIR",
            description = "Directory with pg_ctl and pg_controldata (default: /usr/lib/postgresql/<major>/bin).")
    String pgBin;

    @Option(names = "--tablespace-map", paramLabel = "OID=DIR",
            description = "Restore a tablespace to another directory (repeatable).")
    Map<Long, Path> tablespaceMap = new HashMap<>();

    @Option(names = "--restore-command", paramLabel = "CMD",
            description = "restore_command to write instead of pgvault's own wal-fetch call.")
    String restoreCommand;

    @Override
    public Integer call() {
        try (CommandContext ctx = CommandContext.of(spec)) {
            return check ? check(ctx) : build(ctx);
        }
    }

    private int check(CommandContext ctx) {
        StandbyCheck.Verdict v = new StandbyCheck(ctx.repository()).check(ctx.pgdata(), pgBin, login(ctx),
                targetTimeline);
        if (ctx.json()) {
            Output.printJson(v);
        } else {
            System.out.println(v.message());
        }
        return v.status() == StandbyCheck.Status.MUST_REBUILD ? ErrorCode.STANDBY_DIVERGED.exitCode() : 0;
    }

    private int build(CommandContext ctx) {
        if (primaryConninfo == null) {
            throw new PgVaultException(ErrorCode.USAGE, "standby needs --primary-conninfo (or --check)");
        }
        RestoreRequest request;
        try {
            request = RestoreRequest.standby(ctx.pgdata(), "latest".equals(backup) ? null : BackupId.parse(backup),
                    new StandbySettings(primaryConninfo, slot),
                    restoreCommand != null ? restoreCommand : ctx.restoreCommand(), tablespaceMap,
                    ctx.options().jobsOrDefault(), delta, port);
        } catch (IllegalArgumentException e) {
            throw new PgVaultException(ErrorCode.USAGE, e.getMessage());
        }
        BackupProgress progress = TerminalProgress.forTerminal("standby", ctx.json());
        RestoreResult r = new RestoreService(ctx.repository()).restore(request, progress);
        TerminalProgress.finish(progress);
        RecoveryOutcome started = null;
        if (start) {
            started = ManagedRecovery.forDataDirectory(request.pgdata(), pgBin, r.backup().pgVersionNum() / 10000,
                    login(ctx), null, Map.of()).start(request.target(), request.action());
        }
        if (ctx.json()) {
            Output.printJson(RestoreCommand.json(request, r, started));
        } else {
            System.out.printf("built standby in %s from backup %s (timeline %s): %d files, %s, checksums verified%n",
                    request.pgdata(), r.backup().id(), r.backup().timeline(), r.files(), Output.bytes(r.bytes()));
            RestoreCommand.printDelta(r);
            System.out.printf("primary_conninfo = '%s', recovery_target_timeline = latest%n",
                    Conninfo.masked(primaryConninfo));
            if (started == null) {
                System.out.printf("start it: pg_ctl -D %s start%n", request.pgdata());
            } else {
                System.out.printf("standby started (pid %s, port %s): it replays the archive, then streams from the "
                        + "primary; log: %s%n", started.pid(), started.port(), started.logFile());
            }
        }
        return 0;
    }

    private static ServerLogin login(CommandContext ctx) {
        PgConnectionSettings c = ctx.connection();
        return new ServerLogin(c.user(), c.database(), c.password());
    }
}
