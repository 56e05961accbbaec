package io.pgvault.core.info;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.pg.TimelineHistory;
import io.pgvault.core.pg.WalFileName;
import io.pgvault.core.repo.ArchivedWal;
import io.pgvault.core.repo.RepositoryReader;
import io.pgvault.core.wal.WalFetchService;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the archived timeline history files through {@link WalFetchService}, so they are checked like any WAL file
 * (size and SHA-256) before they are parsed.
 */
final class TimelineHistories {

    private TimelineHistories() {
    }

    static List<TimelineHistory> read(RepositoryReader repository, List<ArchivedWal> wal) {
        List<TimelineHistory> out = new ArrayList<>();
        List<ArchivedWal> histories = wal.stream().filter(w -> w.name().kind() == WalFileName.Kind.HISTORY).toList();
        if (histories.isEmpty()) {
            return out;
        }
        WalFetchService fetch = new WalFetchService(repository);
        Path dir = null;
        try {
            dir = Files.createTempDirectory("pgvault-history-");
            for (ArchivedWal h : histories) {
                Path file = dir.resolve(h.name().name());
                fetch.fetch(h.name().name(), file);
                String content = Files.readString(file, StandardCharsets.UTF_8);
                Files.deleteIfExists(file);
                try {
                    out.add(TimelineHistory.parse(h.name().timeline(), content));
                } catch (IllegalArgumentException e) {
                    throw new PgVaultException(ErrorCode.DAMAGED, "archived " + h.name() + " is not a timeline "
                            + "history (" + e.getMessage() + "); run pgvault verify");
                }
            }
            return out;
        } catch (IOException e) {
            throw new PgVaultException(ErrorCode.LOCAL_IO, "cannot read timeline history files into a temporary "
                    + "directory: " + e.getMessage(), e);
        } finally {
            if (dir != null) {
                try {
                    Files.deleteIfExists(dir);
                } catch (IOException ignored) {
                    // an empty temporary directory left behind is harmless
                }
            }
        }
    }
}
