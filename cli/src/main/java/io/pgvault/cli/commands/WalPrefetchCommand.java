package io.pgvault.cli.commands;

import io.pgvault.cli.CommandContext;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.pg.WalSegmentSize;
import io.pgvault.core.wal.WalFetchService;
import io.pgvault.scheduler.WalPrefetcher;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "wal-prefetch", header = "Download the WAL recovery asks for next (started by pgvault-wal-fetch).",
        description = {
    "Download, in parallel, the WAL segments recovery will ask for next into a queue directory, for the JVM-free",
    "restore_command = 'pgvault-wal-fetch %%f %%p', which starts this process itself when it is not running and",
    "takes each segment from the queue with a rename. Every segment is verified (size, SHA-256) before it enters",
    "the queue. The queue holds at most --fetch-ahead segments; the process exits, removing what it downloaded,",
    "after --idle-exit seconds without a request (recovery has ended). There is no need to run it by hand."})
public class WalPrefetchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--queue", paramLabel = "DIR", required = true,
            description = "The queue directory shared with pgvault-wal-fetch (on the file system of pg_wal).")
    Path queue;

    @Option(names = "--fetch-ahead", paramLabel = "N", defaultValue = "16",
            description = "Segments kept ready, so the queue holds at most N x the segment size "
                    + "(default: ${DEFAULT-VALUE}).")
    int ahead;

    @Option(names = "--fetch-jobs", paramLabel = "N", defaultValue = "4",
            description = "Downloads at once (default: ${DEFAULT-VALUE}).")
    int jobs;

    @Option(names = "--idle-exit", paramLabel = "SECONDS", defaultValue = "30",
            description = "Exit after this long without a request (default: ${DEFAULT-VALUE}).")
    int idleExit;

    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "The first segment asked for.")
    String first;

    @Override
    public Integer call() throws InterruptedException {
        try (CommandContext ctx = CommandContext.of(spec)) {
            var repository = ctx.repository();
            WalSegmentSize size = new WalSegmentSize(repository.requireClusterInfo().walSegmentSize());
            WalFetchService fetch = new WalFetchService(repository);
            WalPrefetcher prefetcher = new WalPrefetcher(queue.toAbsolutePath(), size, (name, dest) -> {
                try {
                    fetch.fetch(name, dest);
                    return true;
                } catch (PgVaultException e) {
                    if (e.code() == io.pgvault.core.ErrorCode.WAL_NOT_IN_ARCHIVE) {
                        return false;
                    }
                    throw e;
                }
            }, ahead, jobs, Duration.ofSeconds(idleExit), WalPrefetchCommand::event);
            long n = prefetcher.run(first);
            event("prefetcher exiting: recovery stopped asking (or its server stopped); " + n + " segments downloaded");
            return 0;
        }
    }

    private static void event(String line) {
        System.out.println(Instant.now().truncatedTo(ChronoUnit.SECONDS) + " " + line);
    }
}
