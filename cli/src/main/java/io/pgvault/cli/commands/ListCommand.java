package io.pgvault.cli.commands;

import io.pgvault.cli.CommandContext;
import io.pgvault.cli.Output;
import io.pgvault.core.manifest.BackupHeader;
import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.repo.BackupId;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "list", header = "List the backups of the cluster.", description = "List the backups of the cluster, oldest first; pinned backups (pgvault pin) are marked.")
public class ListCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        try (CommandContext ctx = CommandContext.of(spec)) {
            var repo = ctx.repository();
            repo.requireClusterInfo();
            List<BackupHeader> backups = repo.backupHeaders();
            Set<BackupId> pins = repo.pins();
            if (ctx.json()) {
                Output.printJson(backups.stream().map(b -> BackupSummary.of(b, pins)).toList());
                return 0;
            }
            printTable(backups, pins);
            return 0;
        }
    }

    static void printTable(List<BackupHeader> backups, Set<BackupId> pins) {
        if (backups.isEmpty()) {
            System.out.println("no backups yet: run pgvault backup");
            return;
        }
        System.out.printf("%-17s %-12s %-17s %-3s %-24s %-24s %-12s %-12s %10s %10s %s%n", "id", "type", "parent",
                "tli", "start time", "stop time", "start lsn", "stop lsn", "size", "stored", "pinned");
        for (BackupHeader h : backups) {
            BackupManifest m = h.manifest();
            System.out.printf("%-17s %-12s %-17s %-3s %-24s %-24s %-12s %-12s %10s %10s %s%n", m.id(), m.type(),
                    m.parent() == null ? "-" : m.parent(), m.timeline(),
                    m.startTime().toString().substring(0, 19) + "Z", m.stopTime().toString().substring(0, 19) + "Z",
                    m.startLsn(), m.stopLsn(), Output.bytes(m.dataSize()), Output.bytes(m.repoSize()),
                    pins.contains(m.id()) ? "pinned" : "");
        }
    }
}
