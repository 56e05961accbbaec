package io.pgvault.cli.commands;

import io.pgvault.cli.CommandContext;
import io.pgvault.core.wal.WalFetchService;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "wal-fetch", header = "Restore one archived WAL file (restore_command).", description = {
    "Restore one archived WAL file; for restore_command. Exit 1, quietly, when the file is not in the archive",
    "(the normal end of recovery); any other failure exits with another code.",
    "  restore_command = 'pgvault --repo file:///var/lib/pgvault wal-fetch %%f %%p'"})
public class WalFetchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "The WAL file name (%%f).")
    String name;

    @Parameters(index = "1", paramLabel = "DEST", description = "Where to write it (%%p).")
    Path destination;

    @Override
    public Integer call() {
        try (CommandContext ctx = CommandContext.of(spec)) {
            new WalFetchService(ctx.repository()).fetch(name, destination);
            return 0;
        }
    }
}
