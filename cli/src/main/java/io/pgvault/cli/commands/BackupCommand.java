package io.pgvault.cli.commands;

import io.pgvault.cli.CommandContext;
import io.pgvault.cli.Output;
import io.pgvault.cli.TerminalProgress;
import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.backup.BackupProgress;
import io.pgvault.core.backup.BackupService;
import io.pgvault.core.backup.BackupSettings;
import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.repo.BackupType;
import io.pgvault.storage.ByteSize;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "backup", header = "Take a full, incremental or differential base backup of the running server.",
        description = {
    "Take a base backup of the running server: parallel workers read --pgdata and stream each file through",
    "SHA-256 and compression into the repository. Succeeds only once the backup's WAL is archived; the manifest",
    "is written last. Shows progress on a terminal. One backup of a cluster runs at a time (a lock in the",
    "repository, shared with the agent's scheduled backups).",
    "An incremental backup builds on the newest backup of any type, a differential one on the newest full",
    "backup. Files unchanged since that parent (same size and time, older than its start) are not read; changed",
    "relation files store only the pages changed since the parent started; other changed files are stored whole.",
    "Without a usable parent (none yet, another timeline that left the parent's history before it ended) a full",
    "backup is taken and one line says why. Restore and verify read the whole chain.",
    "Example (cron, nightly at 01:00):",
    "  0 1 * * *  postgres  pgvault --repo file:///var/lib/pgvault --pgdata /var/lib/postgresql/15/main backup"})
public class BackupCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--type", paramLabel = "TYPE", defaultValue = "full",
            description = "full (default), incremental (changes since the newest backup) or differential (changes "
                    + "since the newest full backup).")
    String type;

    @Option(names = "--archive-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "How long to wait for the backup's WAL to reach the archive (default: ${DEFAULT-VALUE}).")
    int archiveTimeout;

    @Option(names = "--lock-wait", paramLabel = "SECONDS", defaultValue = "0",
            description = "How long to wait while another backup of the cluster (from cron or the agent) runs; "
                    + "0 (default) fails at once with exit 11, naming the other backup's host and pid.")
    int lockWait;

    @Option(names = "--range-size", paramLabel = "SIZE", defaultValue = "128MiB",
            description = "Files larger than this are split into ranges that parallel workers copy into an object "
                    + "each (incrementals: one page set per range), so one 1 GiB relation segment does not hold up "
                    + "the backup or the restore (default: ${DEFAULT-VALUE}; at least 1MiB, a multiple of 8KiB; 0 "
                    + "never splits).")
    String rangeSize;

    @Option(names = "--push-wal", paramLabel = "true|false", defaultValue = "true", arity = "1",
            description = "true (default): once the backup stops, it pushes the finished WAL segments it needs itself, "
                    + "the way archive_command would, while pg_stat_archiver shows no failure; false: it only waits "
                    + "for archive_command to archive them.")
    boolean pushWal;

    private long rangeSize() {
        long size = ByteSize.parse(rangeSize);
        if (size < 0 || size != 0 && (size < BackupSettings.MIN_RANGE_SIZE || size % 8192 != 0)) {
            throw new PgVaultException(ErrorCode.USAGE, "--range-size " + rangeSize
                    + " is not usable: give 0 (never split) or a multiple of 8KiB of at least 1MiB, e.g. 128MiB");
        }
        return size;
    }

    @Override
    public Integer call() {
        long ranges = rangeSize(); // refused before anything else happens
        try (CommandContext ctx = CommandContext.of(spec)) {
            var o = ctx.options();
            BackupSettings settings = new BackupSettings(ctx.pgdata(), ctx.connection(), BackupType.parse(type),
                    o.jobsOrDefault(), o.codec(), o.compressLevel, Duration.ofSeconds(archiveTimeout),
                    BackupSettings.DEFAULT_BUNDLE_LIMIT, Duration.ofSeconds(lockWait), false, ranges, pushWal);
            BackupProgress progress = TerminalProgress.forTerminal("backup", ctx.json());
            long start = System.nanoTime();
            BackupManifest m = new BackupService(ctx.repository()).run(settings, progress);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            TerminalProgress.finish(progress);
            if (ctx.json()) {
                Output.printJson(BackupSummary.of(m));
            } else {
                System.out.printf("%s backup %s%s done: %s in %d files, %s stored (%s), %s at %s, WAL %s..%s%n",
                        m.type(), m.id(), m.parent() == null ? "" : " (parent " + m.parent() + ")",
                        Output.bytes(m.dataSize()), m.files().stream()
                                .filter(f -> f.kind() == io.pgvault.core.manifest.EntryKind.FILE).count(),
                        Output.bytes(m.repoSize()), m.codec(), Output.duration(took),
                        Output.rate(m.dataSize(), took), m.startWal(), m.stopWal());
            }
            return 0;
        }
    }
}
