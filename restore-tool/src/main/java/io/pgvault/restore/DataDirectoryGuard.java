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

    /**
     * For a delta restore: refuses a non-empty directory that is not a data directory of the backup's cluster, so
     * --delta never empties a directory given by mistake.
     *
     * @param systemIdentifier the backup's system identifier (unsigned, decimal)
     */
    public static void refuseForeignDataDirectory(Path pgdata, String systemIdentifier) {
        if (!Files.isDirectory(pgdata) || isEmpty(pgdata)) {
            return;
        }
        java.util.Optional<String> interrupted = RestoreMarker.interruptedRestoreOf(pgdata);
        if (interrupted.isPresent()) {
            // a restore of this cluster was killed part-way (perhaps before PG_VERSION): finish it in place
            if (!interrupted.get().equals(systemIdentifier)) {
                throw new PgVaultException(ErrorCode.REFUSED, pgdata + " holds an interrupted restore of database "
                        + "system " + interrupted.get() + ", the backup belongs to " + systemIdentifier + "; --delta "
                        + "only rewrites a data directory of the same cluster (restore into an empty directory)");
            }
            return;
        }
        if (!Files.isRegularFile(pgdata.resolve("PG_VERSION"))) {
            throw new PgVaultException(ErrorCode.REFUSED, pgdata + " is not a PostgreSQL data directory (no "
                    + "PG_VERSION); --delta only rewrites a data directory of the same cluster, check --pgdata");
        }
        Path control = pgdata.resolve("global/pg_control");
        if (!Files.isRegularFile(control)) {
            return;
        }
        try (java.io.InputStream in = Files.newInputStream(control)) {
            byte[] first = in.readNBytes(8);
            if (first.length == 8) {
                long id = java.nio.ByteBuffer.wrap(first).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
                String found = Long.toUnsignedString(id);
                if (!found.equals(systemIdentifier)) {
                    throw new PgVaultException(ErrorCode.REFUSED, pgdata + " belongs to database system " + found
                            + ", the backup to " + systemIdentifier + "; --delta only rewrites a data directory of "
                            + "the same cluster (restore into an empty directory instead)");
                }
            }
        } catch (IOException e) {
            throw new PgVaultException(ErrorCode.LOCAL_IO, "cannot read " + control + ": " + e.getMessage(), e);
        }
    }

    private static boolean isEmpty(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            throw new PgVaultException(ErrorCode.LOCAL_IO, "cannot read " + dir + ": " + e.getMessage(), e);
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
                        + "empty directory, or use --delta to rewrite a data directory of this cluster in place");
            }
        } catch (IOException e) {
            throw new PgVaultException(ErrorCode.LOCAL_IO, "cannot read " + dir + ": " + e.getMessage(), e);
        }
    }
}
