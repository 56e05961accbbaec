package io.pgvault.cli.commands;

import io.pgvault.cli.CommandContext;
import io.pgvault.core.wal.WalPushService;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "wal-push", header = "Archive one WAL file (archive_command).", description = {
    "Archive one WAL file; for archive_command. Returns success only once the file is durable in the repository.",
    "A file already archived with the same content succeeds; different content fails (exit 8) and is never",
    "overwritten.",
    "  archive_command = 'pgvault --repo file:///var/lib/pgvault wal-push %%p'"})
public class WalPushCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PATH", description = "The WAL file (%%p of archive_command).")
    Path path;

    @Override
    public Integer call() {
        try (CommandContext ctx = CommandContext.of(spec)) {
            var o = ctx.options();
            new WalPushService(ctx.repository(), o.codec(), o.compressLevel).push(path);
            return 0;
        }
    }
}
