package io.pgvault.restore;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Refusals that protect a data directory, checked before anything is written. */
public final class DataDirectoryGuard {

    private DataDirectoryGuard() {
    }

    /** Refuses a data directory with a live server in it. */
    public static void refuseRunningServer(Path pgdata) {
        Path pidFile = pgdata.resolve("postmaster.pid");
        if (!Files.isRegularFile(pidFile)) {
            return;
        }
        try {
            List<String> lines = Files.readAllLines(pidFile);
            if (!lines.isEmpty()) {
                long pid = Long.parseLong(lines.get(0).trim());
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    throw new PgVaultException(ErrorCode.REFUSED, "a PostgreSQL server is running in " + pgdata
                            + " (pid " + pid + "); stop it before restoring (pg_ctl stop -D " + pgdata + ")");
                }
            }
        } catch (IOException | NumberFormatException e) {
            throw new PgVaultException(ErrorCode.REFUSED, pgdata + " has a postmaster.pid that cannot be read; "
                    + "make sure no server runs there and remove it");
        }
    }

    /** Refuses a directory that exists and holds anything. */
    public static void refuseNonEmpty(Path dir, String what) {
        if (!Files.exists(dir)) {
            return;
        }
        if (!Files.isDirectory(dir)) {
            throw new PgVaultException(ErrorCode.REFUSED, what + " " + dir + " exists and is not a directory");
        }
        try (Stream<Path> s = Files.list(dir)) {
            if (s.findAny().isPresent()) {
                throw new PgVaultException(ErrorCode.REFUSED, what + " " + dir + " is not empty; restore into an "
                        + "empty directory (pgvault never overwrites a data directory)");
            }
        } catch (IOException e) {
            throw new PgVaultException(ErrorCode.LOCAL_IO, "cannot read " + dir + ": " + e.getMessage(), e);
        }
    }
}
