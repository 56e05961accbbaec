package io.pgvault.cli.commands;

import io.pgvault.cli.CommandContext;
import io.pgvault.cli.Output;
import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.repo.RepositoryLayout;
import io.pgvault.scheduler.AgentStatus;
import io.pgvault.scheduler.AgentStatus.JobRun;
import io.pgvault.scheduler.AgentStatus.JobStatus;
import io.pgvault.scheduler.StatusFile;
import io.pgvault.scheduler.WalArchiver;
import io.pgvault.scheduler.WalStreamer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "status", header = "Show the agent's schedule, last runs and results.", description = {
    "Show the agent of this cluster: whether it runs, each job's schedule, next run, last run and its result.",
    "Reads the status file the agent writes in --state-dir; exit 5 when no agent ever ran there.",
    "With --json: {\"state\": running|stopped|gone|unknown, \"agent\": {...}} for monitoring."})
public class StatusCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = "/var/lib/pgvault-agent",
            description = "The agent's state directory (default: ${DEFAULT-VALUE}).")
    Path stateDir;

    /** What {@code status --json} prints. */
    record Report(String state, AgentStatus agent) {
    }

    @Override
    public Integer call() {
        try (CommandContext ctx = CommandContext.of(spec)) {
            // the status is local: no repository needed, only the cluster's name
            String cluster = new RepositoryLayout(spec.root().findOption("--cluster").getValue()).cluster();
            StatusFile file = new StatusFile(stateDir, cluster);
            AgentStatus s = file.read().orElseThrow(() -> new PgVaultException(ErrorCode.NOT_FOUND, "no agent status "
                    + "for cluster '" + cluster + "' in " + stateDir + ": the agent has not run with this state "
                    + "directory (start pgvault agent, or pass its --state-dir)"));
            String state = StatusFile.stateOf(s);
            if (ctx.json()) {
                Output.printJson(new Report(state, s));
                return 0;
            }
            System.out.println("agent for cluster '" + s.cluster() + "': " + describe(state, s));
            if (!s.jobs().isEmpty()) {
                System.out.printf("%-8s %-20s %-21s %-21s %s%n", "job", "schedule", "next run", "last run",
                        "result");
            }
            for (JobStatus j : s.jobs()) {
                JobRun r = j.lastRun();
                System.out.printf("%-8s %-20s %-21s %-21s %s%n", j.name(), j.schedule(), time(j.nextRun()),
                        r == null ? "-" : time(r.started()), result(r));
                if (j.runningSince() != null) {
                    System.out.printf("%-8s %s%n", "", "gone".equals(state)
                            ? "a run started at " + time(j.runningSince()) + " was interrupted (the agent ended)"
                            : "running since " + time(j.runningSince()) + " ("
                            + Output.duration(Duration.between(j.runningSince(), Instant.now())) + ")");
                }
            }
            WalArchiver.Snapshot a = s.archiver();
            if (a != null) {
                System.out.println("archiving ahead through " + a.spool() + ": " + a.pushed() + " WAL files pushed"
                        + (a.lastPushed() == null ? "" : ", last " + a.lastPushed() + " at " + time(a.lastPushedAt()))
                        + (a.failures() == 0 ? "" : "; " + a.failures() + " failures, last: " + a.lastError()));
            }
            WalStreamer.Snapshot w = s.stream();
            if (w != null) {
                System.out.println("WAL streaming through slot " + w.slot() + ": " + w.state()
                        + (w.timeline() == null ? "" : " on timeline " + w.timeline())
                        + ", received " + lsn(w.received()) + ", in the repository " + lsn(w.flushed())
                        + (w.lagBytes() == null ? "" : ", lag " + Output.bytes(w.lagBytes()))
                        + (w.lagSeconds() == null ? "" : " / " + w.lagSeconds() + "s")
                        + (w.retainedBytes() == null ? "" : ", slot retains " + Output.bytes(w.retainedBytes()))
                        + "; " + w.segmentsStored() + " segments stored, " + w.reconnects() + " reconnects"
                        + (w.lastError() == null ? "" : "; last error at " + time(w.lastErrorAt()) + ": "
                        + w.lastError()));
            }
            return 0;
        }
    }

    private static String lsn(Object l) {
        return l == null ? "-" : l.toString();
    }

    private static String describe(String state, AgentStatus s) {
        String who = "pid " + s.pid() + " on " + s.host();
        return switch (state) {
            case "running" -> "running, " + who + ", since " + time(s.started());
            case "stopped" -> "stopped at " + time(s.stopped()) + " (" + who + ")";
            case "gone" -> "not running: " + who + " ended without stopping (killed, or the host restarted); last "
                    + "update " + time(s.updated());
            default -> "ran as " + who + " (another host: cannot tell whether it runs); last update "
                    + time(s.updated());
        };
    }

    private static String result(JobRun r) {
        if (r == null) {
            return "never ran";
        }
        String took = r.finished() == null ? "" : " after " + Output.duration(Duration.between(r.started(),
                r.finished()));
        if (JobRun.OK.equals(r.result())) {
            return "ok" + took + ": " + r.message();
        }
        if (JobRun.INTERRUPTED.equals(r.result())) {
            return "interrupted" + took + ": " + r.message();
        }
        return "failed (exit " + r.exitCode() + ")" + took + ": " + r.message();
    }

    private static String time(Instant t) {
        return t == null ? "-" : t.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
