package io.pgvault.cli.commands;

import io.pgvault.cli.CommandContext;
import io.pgvault.cli.Output;
import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.crypt.Passphrase;
import io.pgvault.core.repo.PassphraseService;
import io.pgvault.core.repo.Repository;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "passphrase", header = "Change the encryption passphrase of an encrypted repository.",
        description = {
            "Manage the passphrase of an encrypted repository (pgvault init --encrypt).",
            "Example: PGVAULT_PASSPHRASE_FILE=/etc/pgvault/pass PGVAULT_NEW_PASSPHRASE_FILE=/etc/pgvault/pass.new \\",
            "         pgvault passphrase change"},
        subcommands = {PassphraseCommand.Change.class})
public class PassphraseCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "change", header = "Re-wrap the repository's key under a new passphrase; data is not rewritten.",
            description = {
                "Re-wrap the repository's master key under a new passphrase. Only cluster.json changes: backups and",
                "WAL stay as they are, and from then on only the new passphrase opens them. The current passphrase",
                "comes from the usual places; the new one from PGVAULT_NEW_PASSPHRASE or --new-passphrase-file FILE",
                "(mode 0600). Update every archive_command, restore_command, agent and config that holds the old one."})
    static class Change implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--new-passphrase-file", paramLabel = "FILE",
                description = "File holding the new passphrase (mode 0600); else PGVAULT_NEW_PASSPHRASE.")
        Path newPassphraseFile;

        @Override
        public Integer call() {
            try (CommandContext ctx = CommandContext.of(spec)) {
                Passphrase next = ctx.passphrase("new-passphrase", newPassphraseFile, "--new-passphrase-file");
                if (next == null) {
                    throw new PgVaultException(ErrorCode.KEY, "no new passphrase given: set PGVAULT_NEW_PASSPHRASE"
                            + " or --new-passphrase-file FILE");
                }
                if (ctx.passphrase() == null) {
                    throw new PgVaultException(ErrorCode.KEY, "the current passphrase is needed to change it: set"
                            + " PGVAULT_PASSPHRASE, the config key passphrase, or --passphrase-file FILE");
                }
                Repository repository = ctx.repository();
                new PassphraseService(repository).change(next);
                String cluster = repository.layout().cluster();
                if (ctx.json()) {
                    Output.printJson(Map.of("cluster", cluster, "passphraseChanged", true));
                } else {
                    System.out.println("passphrase of cluster '" + cluster + "' changed; backups and"
                            + " WAL were not rewritten. Give the new passphrase to every pgvault that uses it.");
                }
                return 0;
            }
        }
    }
}
