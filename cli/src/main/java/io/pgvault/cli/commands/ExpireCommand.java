package io.pgvault.cli.commands;

import io.pgvault.cli.CommandContext;
import io.pgvault.cli.Output;
import io.pgvault.cli.RetentionOptions;
import io.pgvault.core.retention.ExpireReport;
import io.pgvault.core.retention.ExpireService;
import io.pgvault.core.retention.RetentionPlan;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "expire", header = "Remove backups and WAL the retention no longer keeps.", description = {
    "Remove the backups --retain-full and/or --retain-days no longer keep (with both,",
    "what either rule keeps stays), then the archived WAL of every timeline that lies",
    "wholly before the oldest kept backup; timeline history files always stay.",
    "A kept backup keeps the backups it is built on; a removed one takes the backups",
    "built on it along, unless one of them is pinned (pgvault pin ID): pinned backups",
    "and their chains are never removed. Nothing is removed when no backup would",
    "remain. Objects of interrupted backups (no manifest) are removed too.",
    "Takes the backup lock, so it never runs during a backup (--lock-wait to wait).",
    "Examples:",
    "  pgvault expire --retain-full 2 --dry-run   what would go, and the window after",
    "  pgvault expire --retain-days 14            keep all points of the last 14 days",
    "Config file: retain-full: 2 / retain-days: 14 (PGVAULT_RETAIN_FULL, PGVAULT_RETAIN_DAYS)."})
public class ExpireCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    RetentionOptions retention;

    @Option(names = "--dry-run", description = "Show what would be removed and change nothing.")
    boolean dryRun;

    @Option(names = "--lock-wait", paramLabel = "SECONDS", defaultValue = "0",
            description = "How long to wait while a backup of the cluster runs; 0 (default) fails at once with exit "
                    + "11, naming the backup's host and pid.")
    int lockWait;

    @Override
    public Integer call() {
        try (CommandContext ctx = CommandContext.of(spec)) {
            var policy = retention.policy();
            ExpireReport r = new ExpireService(ctx.repository(), Clock.systemUTC())
                    .run(policy, dryRun, Duration.ofSeconds(lockWait));
            if (ctx.json()) {
                Output.printJson(r);
                return 0;
            }
            print(r);
            return 0;
        }
    }

    static void print(ExpireReport r) {
        String verb = r.dryRun() ? "would remove" : "removed";
        for (RetentionPlan.Decision d : r.decisions()) {
            System.out.printf("%-7s %s  %s%n", d.keep() ? "keep" : r.dryRun() ? "expire?" : "expired", d.id(),
                    d.reason());
        }
        for (String orphan : r.orphanedPrefixes()) {
            System.out.printf("%-7s %s  objects without a manifest (an interrupted backup or expire)%n",
                    r.dryRun() ? "clean?" : "cleaned", orphan);
        }
        System.out.printf("%s%s %d backups and %d WAL files (%s)%s, keeping %d backups (retention: %s)%n",
                r.dryRun() ? "dry run: " : "", verb, r.expiredBackups().size(), r.walFiles(), Output.bytes(r.walBytes()),
                r.walCutoff() == null || r.walFiles() == 0 ? "" : " before " + r.walCutoff(), r.keptBackups().size(),
                r.policy());
        System.out.println(r.window() == null ? "recoverable window: none (no backup with its WAL in the archive)"
                : "recoverable window" + (r.dryRun() ? " afterwards: " : ": ") + r.window().earliest() + " .. "
                + r.window().latest());
    }
}
