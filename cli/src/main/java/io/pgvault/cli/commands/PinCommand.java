package io.pgvault.cli.commands;

import io.pgvault.cli.CommandContext;
import io.pgvault.cli.Output;
import io.pgvault.core.repo.BackupId;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "pin", header = "Keep a backup whatever the retention says.", description = {
    "Pin a backup: expire never removes it, nor the backups it is built on, nor the WAL from its start on.",
    "list and info mark pinned backups. pgvault unpin ID lets the retention decide again.",
    "Example: pgvault pin 20261121T101500F"})
public class PinCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "ID", description = "The backup id, as pgvault list shows it.")
    String id;

    @Override
    public Integer call() {
        return setPin(spec, id, true);
    }

    /** Pins or unpins the backup {@code id} and reports whether that changed anything. */
    static int setPin(CommandSpec spec, String id, boolean pinned) {
        try (CommandContext ctx = CommandContext.of(spec)) {
            var repo = ctx.repository();
            repo.requireClusterInfo();
            BackupId backup = BackupId.parse(id);
            boolean changed = pinned ? repo.pin(backup) : repo.unpin(backup);
            if (ctx.json()) {
                Output.printJson(Map.of("id", backup.toString(), "pinned", pinned, "changed", changed));
            } else {
                System.out.println("backup " + backup + (changed ? " is now " : " was already ")
                        + (pinned ? "pinned" : "unpinned"));
            }
            return 0;
        }
    }

    @Command(name = "unpin", header = "Let the retention decide about a pinned backup again.", description = {
        "Remove a backup's pin: the next pgvault expire may remove it if the retention no longer keeps it.",
        "Example: pgvault unpin 20261121T101500F"})
    public static class Unpin implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "ID", description = "The backup id, as pgvault list shows it.")
        String id;

        @Override
        public Integer call() {
            return setPin(spec, id, false);
        }
    }
}
