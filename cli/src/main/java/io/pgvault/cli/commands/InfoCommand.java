package io.pgvault.cli.commands;

import io.pgvault.cli.CommandContext;
import io.pgvault.cli.Output;
import io.pgvault.core.info.InfoService;
import io.pgvault.core.info.RecoverableWindow;
import io.pgvault.core.info.RepositorySummary;
import io.pgvault.core.info.TimelineTree;
import io.pgvault.core.info.WalRange;
import io.pgvault.core.repo.ClusterInfo;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "info", header = "Show backups, archived WAL, timelines and the recoverable window.", description = {
    "Show the cluster's backups, its archived WAL as ranges per timeline, the timeline tree (each timeline, the one",
    "it branched off and where), and the recoverable window: the earliest and latest points in time a restore can",
    "reach."})
public class InfoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    /** The JSON form of info. */
    record InfoJson(ClusterInfo cluster, List<BackupSummary> backups, List<WalRange> wal, List<String> histories,
                    List<TimelineTree.Node> timelines, RecoverableWindow recoverableWindow, boolean encrypted) {
    }

    @Override
    public Integer call() {
        try (CommandContext ctx = CommandContext.of(spec)) {
            var repo = ctx.repository();
            RepositorySummary s = new InfoService(repo).summarize();
            var pins = repo.pins();
            if (ctx.json()) {
                Output.printJson(new InfoJson(s.cluster(), s.backups().stream().map(b -> BackupSummary.of(b, pins))
                        .toList(), s.walRanges(), s.histories(), s.timelines().nodes(), s.window().orElse(null),
                        s.cluster().encrypted()));
                return 0;
            }
            ClusterInfo c = s.cluster();
            System.out.printf("cluster %s  system %s  PostgreSQL %d  WAL segment %s  encryption %s%n%n", c.cluster(),
                    c.systemIdentifier(), c.pgVersionNum(), Output.bytes(c.walSegmentSize()),
                    c.encrypted() ? "on" : "off");
            ListCommand.printTable(s.backups(), pins);
            System.out.println();
            if (s.walRanges().isEmpty()) {
                System.out.println("archived WAL: none yet (is archive_command set to pgvault wal-push %p?)");
            } else {
                System.out.println("archived WAL:");
                for (WalRange r : s.walRanges()) {
                    System.out.printf("  timeline %-3s %s .. %s%s  (%d segments, newest archived %s)%n", r.timeline(),
                            r.first(), r.last(), r.lastPartial() ? " (partial, streaming)" : "", r.segments(),
                            r.lastArchivedAt());
                }
                if (!s.histories().isEmpty()) {
                    System.out.println("  history files: " + String.join(", ", s.histories()));
                }
            }
            if (s.timelines().nodes().size() > 1) {
                System.out.println();
                System.out.println("timelines:");
                for (TimelineTree.Node root : s.timelines().roots()) {
                    printTimeline(s.timelines(), root, "  ");
                }
            }
            System.out.println();
            System.out.println(s.window().map(w -> "recoverable window: " + w.earliest() + " .. " + w.latest()
                    + " (newest WAL " + w.latestWal() + (w.latestPartial() ? ", partial: streamed up to "
                    + w.latest() : "") + ")")
                    .orElse("recoverable window: none (no backup with its WAL in the archive)"));
            return 0;
        }
    }

    /** One timeline per line, children indented under their parent with where they branched off. */
    private static void printTimeline(TimelineTree tree, TimelineTree.Node node, String indent) {
        System.out.println(indent + "timeline " + node.timeline() + (node.parent() == null ? ""
                : "  branched off timeline " + node.parent() + " at " + node.switchPoint()
                + (node.reason() == null || node.reason().isBlank() ? "" : " (" + node.reason() + ")")));
        for (TimelineTree.Node child : tree.children(node.timeline())) {
            printTimeline(tree, child, indent + "  ");
        }
    }
}
