package io.pgvault.cli.commands;

import io.pgvault.cli.CommandContext;
import io.pgvault.cli.Output;
import io.pgvault.cli.TerminalProgress;
import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.backup.BackupProgress;
import io.pgvault.core.pg.Lsn;
import io.pgvault.core.repo.BackupId;
import io.pgvault.restore.RecoveryTarget;
import io.pgvault.restore.RestoreRequest;
import io.pgvault.restore.RestoreResult;
import io.pgvault.restore.RestoreService;
import io.pgvault.restore.TargetAction;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "restore", sortOptions = false, description = {
    "Restore a backup into an empty data directory and configure recovery to a target: the newest backup that",
    "ends before the target is chosen, every file's checksum is verified, and recovery.signal plus the recovery",
    "settings (restore_command = pgvault wal-fetch on this repository) are written. Start the server afterwards",
    "(pg_ctl start) and it replays WAL to exactly the target.",
    "Refused before anything is written: a non-empty directory, a running server, a target outside the",
    "recoverable window (see pgvault info).",
    "Example: pgvault restore --pgdata /var/lib/postgresql/15/restored --target-time '2026-11-20 10:15:00+00'"})
public class RestoreCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--backup", paramLabel = "ID", defaultValue = "latest",
            description = "Backup id to restore, or latest (default): the newest backup that ends before the target.")
    String backup;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Target target;

    /** Exactly one kind of target, or none for the end of the archive. */
    static class Target {
        @Option(names = "--target-time", paramLabel = "TIME",
                description = "ISO-8601 time with a zone, e.g. 2026-11-20T10:15:00.25+00:00 (a space may replace T).")
        String time;

        @Option(names = "--target-lsn", paramLabel = "LSN", description = "A WAL location, e.g. 0/3000060.")
        String lsn;

        @Option(names = "--target-xid", paramLabel = "XID", description = "A transaction id.")
        Long xid;

        @Option(names = "--target-name", paramLabel = "NAME", description = "A restore point (pg_create_restore_point).")
        String name;

        @Option(names = "--target", paramLabel = "immediate",
                description = "immediate: stop as soon as the backup is consistent.")
        String immediate;
    }

    @Option(names = "--target-action", paramLabel = "ACTION", defaultValue = "promote",
            description = "At the target: promote (default), pause or shutdown.")
    String action;

    @Option(names = "--target-inclusive", paramLabel = "BOOL", arity = "1",
            description = "Whether the target itself is replayed (PostgreSQL's default: true).")
    Boolean inclusive;

    @Option(names = "--target-timeline", paramLabel = "TLI",
            description = "Timeline to follow: latest (PostgreSQL's default), current or a number.")
    String timeline;

    @Option(names = "--archive-mode", paramLabel = "MODE", defaultValue = "preserve",
            description = "preserve (default) keeps the backup's archive settings; off writes archive_mode = off so a "
                    + "restored copy does not archive into the same repository.")
    String archiveMode;

    @Option(names = "--tablespace-map", paramLabel = "OID=DIR",
            description = "Restore a tablespace to another directory (repeatable).")
    Map<Long, Path> tablespaceMap = new HashMap<>();

    @Option(names = "--restore-command", paramLabel = "CMD",
            description = "restore_command to write instead of pgvault's own wal-fetch call.")
    String restoreCommand;

    @Override
    public Integer call() {
        try (CommandContext ctx = CommandContext.of(spec)) {
            RestoreRequest request = request(ctx);
            BackupProgress progress = TerminalProgress.forTerminal("restore", ctx.json());
            RestoreResult r = new RestoreService(ctx.repository()).restore(request, progress);
            TerminalProgress.finish(progress);
            if (ctx.json()) {
                Output.printJson(Map.of("backup", r.backup().id().toString(), "files", r.files(), "bytes", r.bytes(),
                        "pgdata", request.pgdata().toString(), "recoverySettings", r.settings()));
            } else {
                System.out.printf("restored backup %s into %s: %d files, %s, checksums verified%n", r.backup().id(),
                        request.pgdata(), r.files(), Output.bytes(r.bytes()));
                System.out.printf("recovery will stop at %s and %s; start the server: pg_ctl -D %s start%n",
                        request.target().describe(), request.action(), request.pgdata());
            }
            return 0;
        }
    }

    private RestoreRequest request(CommandContext ctx) {
        if (!List.of("preserve", "off").contains(archiveMode)) {
            throw new PgVaultException(ErrorCode.USAGE, "--archive-mode must be preserve or off, not '" + archiveMode + "'");
        }
        try {
            return new RestoreRequest(ctx.pgdata(), "latest".equals(backup) ? null : BackupId.parse(backup),
                    parseTarget(), TargetAction.parse(action), inclusive, timeline,
                    restoreCommand != null ? restoreCommand : ctx.restoreCommand(), "off".equals(archiveMode),
                    tablespaceMap, ctx.options().jobsOrDefault());
        } catch (IllegalArgumentException e) {
            throw new PgVaultException(ErrorCode.USAGE, e.getMessage());
        }
    }

    private RecoveryTarget parseTarget() {
        if (target == null) {
            return new RecoveryTarget.EndOfArchive();
        }
        if (target.time != null) {
            return RecoveryTarget.parseTime(target.time);
        }
        if (target.lsn != null) {
            return new RecoveryTarget.AtLsn(Lsn.parse(target.lsn));
        }
        if (target.xid != null) {
            return new RecoveryTarget.Xid(target.xid);
        }
        if (target.name != null) {
            return new RecoveryTarget.Name(target.name);
        }
        if (!"immediate".equals(target.immediate)) {
            throw new IllegalArgumentException("--target takes only 'immediate', not '" + target.immediate + "'");
        }
        return new RecoveryTarget.Immediate();
    }
}
