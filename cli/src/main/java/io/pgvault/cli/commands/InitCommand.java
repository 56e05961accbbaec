package io.pgvault.cli.commands;

import io.pgvault.cli.CommandContext;
import io.pgvault.cli.Output;
import io.pgvault.core.repo.InitService;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "init", header = "Bind the repository to this PostgreSQL cluster.", description = {
    "Bind the repository to this cluster: records its system identifier, PostgreSQL version and WAL segment size,",
    "and creates the bucket or container when it is missing. Safe to run again; refuses another cluster's repository."})
public class InitCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--encrypt", description = "Encrypt everything pgvault stores for this cluster (AES-256-GCM); "
            + "needs a passphrase: PGVAULT_PASSPHRASE, the config key passphrase, or --passphrase-file FILE.")
    boolean encrypt;

    @Override
    public Integer call() {
        try (CommandContext ctx = CommandContext.of(spec)) {
            InitService.Result r = new InitService(ctx.repository()).init(ctx.connection(), encrypt);
            if (ctx.json()) {
                Output.printJson(r);
            } else {
                System.out.printf("cluster '%s' %s in %s: system %s, PostgreSQL %d, %s WAL segments, %s%n",
                        r.cluster().cluster(), r.created() ? "initialized" : "was already initialized",
                        ctx.repoUrl(), r.cluster().systemIdentifier(), r.cluster().pgVersionNum(),
                        Output.bytes(r.cluster().walSegmentSize()),
                        r.cluster().encrypted() ? "encrypted" : "not encrypted");
            }
            return 0;
        }
    }
}
