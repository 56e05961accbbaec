package io.pgvault.cli.commands;

import io.pgvault.cli.CommandContext;
import io.pgvault.cli.Output;
import io.pgvault.core.ErrorCode;
import io.pgvault.core.repo.BackupId;
import io.pgvault.core.verify.Problem;
import io.pgvault.core.verify.VerifyReport;
import io.pgvault.core.verify.VerifyService;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "verify", header = "Check that every backup and WAL file can be restored.", description = {
    "Re-read the repository (or one backup) and check it can be restored: every file's size and SHA-256, every",
    "archived WAL file's checksum, and that each backup's WAL is in the archive. Each missing or damaged object",
    "is reported by name. Exit 0 when healthy, 9 when anything is damaged or missing."})
public class VerifyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--backup", paramLabel = "ID", description = "Verify only this backup (and the WAL it needs).")
    String backup;

    @Override
    public Integer call() {
        try (CommandContext ctx = CommandContext.of(spec)) {
            BackupId id = backup == null ? null : BackupId.parse(backup);
            VerifyReport r = new VerifyService(ctx.repository()).verify(id, ctx.options().jobsOrDefault());
            if (ctx.json()) {
                Output.printJson(r);
            } else {
                for (Problem p : r.problems()) {
                    System.out.println("DAMAGED " + p);
                }
                System.out.printf("%s: %d backups, %d files (%s) and %d WAL files re-read, %d problems%n",
                        r.healthy() ? "healthy" : "damaged", r.backups(), r.files(), Output.bytes(r.bytes()),
                        r.walFiles(), r.problems().size());
            }
            return r.healthy() ? 0 : ErrorCode.DAMAGED.exitCode();
        }
    }
}
