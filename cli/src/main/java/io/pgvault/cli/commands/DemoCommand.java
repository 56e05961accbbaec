package io.pgvault.cli.commands;

import io.pgvault.cli.demo.DemoRunner;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", header = "Run the whole job end to end on a throwaway cluster.", description = {
    "The whole job end to end on a throwaway cluster and filesystem repository: archive WAL, back up, write rows,",
    "note a time T, write more and drop the table, restore to T, start the restored server and check that exactly",
    "the rows committed before T are back. Needs PostgreSQL's server programs; run as root it uses the postgres",
    "OS user for the cluster. Exit 0 only if the check holds."})
public class DemoCommand implements Callable<Integer> {

    @Option(names = "--pg-bin", paramLabel = "DIR",
            description = "Directory with initdb and pg_ctl (default: newest /usr/lib/postgresql/*/bin).")
    String pgBin;

    @Option(names = "--os-user", paramLabel = "USER", defaultValue = "postgres",
            description = "OS user that runs the throwaway cluster when the demo runs as root (default: ${DEFAULT-VALUE}).")
    String osUser;

    @Option(names = "--keep", description = "Keep the throwaway directory for a look afterwards.")
    boolean keep;

    @Override
    public Integer call() throws Exception {
        return DemoRunner.run(System.out, pgBin, osUser, keep) ? 0 : 9;
    }
}
