package io.pgvault.cli.commands;

import io.pgvault.cli.CommandContext;
import io.pgvault.cli.Output;
import io.pgvault.cli.TerminalProgress;
import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.backup.BackupProgress;
import io.pgvault.core.pg.Lsn;
import io.pgvault.core.pg.PgConnectionSettings;
import io.pgvault.core.repo.BackupId;
import io.pgvault.restore.Conninfo;
import io.pgvault.core.relation.EndpointOptions;
import io.pgvault.core.relation.RelationSync;
import io.pgvault.core.relation.SyncOptions;
import io.pgvault.core.relation.SyncReport;
import io.pgvault.restore.ManagedRecovery;
import io.pgvault.restore.PromotionHook;
import io.pgvault.restore.RecoveryOutcome;
import io.pgvault.restore.RecoveryTarget;
import io.pgvault.restore.RestoreRequest;
import io.pgvault.restore.RestoreResult;
import io.pgvault.restore.RestoreService;
import io.pgvault.restore.ServerLogin;
import io.pgvault.restore.TargetAction;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "restore", header = "Restore a backup and recover to a point in time.", sortOptions = false, description = {
    "Restore a backup into an empty data directory and configure recovery to a target: the newest backup that",
    "ends before the target (on the history of the target timeline) is chosen, every file's checksum is verified,",
    "and recovery.signal plus the recovery settings (restore_command = pgvault wal-fetch on this repository) are",
    "written. Start the server afterwards (pg_ctl start), or let pgvault do it with --start [--wait]: it starts the",
    "server as the data directory's owner, follows recovery to the target and reports the point reached.",
    "--delta rewrites an existing data directory of this cluster in place: only files whose size or SHA-256",
    "differ from the backup are rewritten, files the backup does not have are removed.",
    "Refused before anything is written: a non-empty directory (without --delta), a running server, a target",
    "outside the recoverable window or beyond a gap in the archived WAL (see pgvault info).",
    "Example: pgvault restore --pgdata /var/lib/postgresql/15/restored --target-time '2026-11-20 10:15:00+00' \\",
    "           --port 5433 --start --wait"})
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
            description = "Timeline to follow: latest (PostgreSQL's default), current (the backup's) or a number.")
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

    @Option(names = "--delta",
            description = "Restore into an existing data directory of this cluster (server stopped), rewriting only "
                    + "files that differ from the backup and removing files it does not have.")
    boolean delta;

    @Option(names = "--port", paramLabel = "PORT",
            description = "Port of the restored server, written to postgresql.auto.conf (the original may still run "
                    + "on this host).")
    Integer port;

    @Option(names = "--start", description = "Start the restored server (as the data directory's owner).")
    boolean start;

    @Option(names = "--wait",
            description = "With --start (implied): follow recovery until the server promotes, pauses or shuts down "
                    + "at the target, and report the point reached; exit 14 when recovery ends before the target.")
    boolean waitForTarget;

    @Option(names = "--wait-timeout", paramLabel = "SECONDS", defaultValue = "0",
            description = "Give up following recovery after this long (default 0: as long as it takes); the server "
                    + "keeps running.")
    long waitTimeout;

    @Option(names = "--pg-bin", paramLabel = "DIR",
            description = "Directory with pg_ctl (default: /usr/lib/postgresql/<the backup's major version>/bin).")
    String pgBin;

    @Option(names = "--log-file", paramLabel = "FILE",
            description = "Where the started server's output goes (default: <pgdata>/log/pgvault-start.log).")
    Path logFile;

    @Option(names = "--relate", description = "With --start: once the server is promoted, re-relate every registered "
            + "client application (pgvault relate sync): logins, roles, extensions, fresh passwords and the new "
            + "endpoints delivered to each client's sink.")
    boolean relate;

    @Option(names = "--keep-passwords", description = "With --relate: keep each client's password instead of rotating "
            + "it (rotation is the default after a restore: credentials may have leaked before the disaster).")
    boolean keepPasswords;

    /** What --relate did, for the summary. */
    private SyncReport relateReport;

    @Override
    public Integer call() {
        try (CommandContext ctx = CommandContext.of(spec)) {
            if (relate && !(start || waitForTarget)) {
                throw new PgVaultException(ErrorCode.USAGE, "--relate needs --start: clients are re-related only "
                        + "once the restored server has been promoted");
            }
            if (relate && !"promote".equalsIgnoreCase(action)) {
                throw new PgVaultException(ErrorCode.USAGE, "--relate needs --target-action promote");
            }
            RestoreRequest request = request(ctx);
            if (start || waitForTarget) {
                refuseStartWithoutConfig(new RestoreService(ctx.repository()).plan(request));
            }
            BackupProgress progress = TerminalProgress.forTerminal("restore", ctx.json());
            RestoreResult r = new RestoreService(ctx.repository()).restore(request, progress);
            TerminalProgress.finish(progress);
            RecoveryOutcome outcome = null;
            if (start || waitForTarget) {
                outcome = startServer(ctx, request, r);
            }
            if (ctx.json()) {
                Map<String, Object> out = json(request, r, outcome);
                if (relateReport != null) {
                    out.put("relations", relateReport);
                }
                Output.printJson(out);
            } else {
                printText(request, r, outcome);
                if (relateReport != null) {
                    relateReport.clients().forEach(c -> System.out.println("re-related " + RelateCommand.line(c)));
                    relateReport.notes().forEach(n -> System.out.println("note: " + n));
                }
            }
            return 0;
        }
    }

    /**
     * Work to run once a managed recovery has promoted the restored server, in order: this is where client
     * applications are re-related (--relate).
     */
    protected List<PromotionHook> promotionHooks(CommandContext ctx, RestoreRequest request) {
        List<PromotionHook> hooks = new ArrayList<>();
        if (relate) {
            hooks.add(server -> {
                SyncOptions options = keepPasswords ? SyncOptions.of(false, EndpointOptions.DISCOVER)
                        : SyncOptions.afterRestore();
                relateReport = new RelationSync(ctx.repository()).sync(server.connection(), options);
                relateReport.firstFailure().ifPresent(c -> {
                    throw new PgVaultException(c.errorCode() == null ? ErrorCode.INTERNAL : c.errorCode(),
                            "the server is promoted and running, but re-relating " + c.app() + " failed: " + c.error()
                                    + "; fix it and run pgvault relate sync");
                });
            });
        }
        return hooks;
    }

    private RecoveryOutcome startServer(CommandContext ctx, RestoreRequest request, RestoreResult r) {
        PgConnectionSettings c = ctx.connection();
        ManagedRecovery server = ManagedRecovery.forDataDirectory(request.pgdata(), pgBin,
                r.backup().pgVersionNum() / 10000, new ServerLogin(c.user(), c.database(), c.password()),
                logFile == null ? null : logFile.toAbsolutePath(), Map.of());
        Consumer<String> progress = ctx.json() || System.console() == null ? m -> { } : System.err::println;
        List<PromotionHook> hooks = promotionHooks(ctx, request);
        // work promised after promotion (--relate) needs the promotion to be seen: it implies --wait
        return server.run(request.target(), request.action(), waitForTarget || !hooks.isEmpty(),
                Duration.ofSeconds(waitTimeout), hooks, progress);
    }

    /**
     * A server whose configuration lives outside its data directory (Debian keeps postgresql.conf in
     * /etc/postgresql/...) cannot be started from a restored copy elsewhere: refuse before anything is written.
     */
    private static void refuseStartWithoutConfig(io.pgvault.core.manifest.BackupManifest backup) {
        if (backup.files().stream().noneMatch(f -> f.path().equals("postgresql.conf"))) {
            throw new PgVaultException(ErrorCode.REFUSED, "backup " + backup.id() + " has no postgresql.conf (the "
                    + "server kept its configuration outside the data directory, as Debian does), so --start cannot "
                    + "start the copy; restore without --start, put postgresql.conf and pg_hba.conf in place, then start "
                    + "it (or restore into the cluster's own data directory and use pg_ctlcluster)");
        }
    }

    private RestoreRequest request(CommandContext ctx) {
        if (!List.of("preserve", "off").contains(archiveMode)) {
            throw new PgVaultException(ErrorCode.USAGE, "--archive-mode must be preserve or off, not '" + archiveMode + "'");
        }
        if (waitTimeout < 0) {
            throw new PgVaultException(ErrorCode.USAGE, "--wait-timeout must be 0 or more seconds");
        }
        try {
            return new RestoreRequest(ctx.pgdata(), "latest".equals(backup) ? null : BackupId.parse(backup),
                    parseTarget(), TargetAction.parse(action), inclusive, timeline,
                    restoreCommand != null ? restoreCommand : ctx.restoreCommand(), "off".equals(archiveMode),
                    tablespaceMap, ctx.options().jobsOrDefault(), delta, port, null);
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

    /** The JSON form of a restore (also of a standby build), with secrets in the settings masked. */
    static Map<String, Object> json(RestoreRequest request, RestoreResult r, RecoveryOutcome outcome) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("backup", r.backup().id().toString());
        out.put("files", r.files());
        out.put("bytes", r.bytes());
        out.put("pgdata", request.pgdata().toString());
        out.put("recoverySettings", Conninfo.maskedSettings(r.settings()));
        if (r.delta() != null) {
            out.put("delta", r.delta());
        }
        if (outcome != null) {
            out.put("server", outcome.report());
        }
        return out;
    }

    /** The counts of a delta restore, when it was one. */
    static void printDelta(RestoreResult r) {
        if (r.delta() != null) {
            System.out.printf("delta: %d files rewritten, %d removed, %d unchanged%n", r.delta().rewritten(),
                    r.delta().removed(), r.delta().unchanged());
        }
    }

    private static void printText(RestoreRequest request, RestoreResult r, RecoveryOutcome outcome) {
        System.out.printf("restored backup %s into %s: %d files, %s, checksums verified%n", r.backup().id(),
                request.pgdata(), r.files(), Output.bytes(r.bytes()));
        printDelta(r);
        if (outcome == null) {
            System.out.printf("recovery will stop at %s and %s; start the server: pg_ctl -D %s start%n",
                    request.target().describe(), request.action(), request.pgdata());
            return;
        }
        outcome.describe(request.target().describe()).forEach(System.out::println);
    }
}
