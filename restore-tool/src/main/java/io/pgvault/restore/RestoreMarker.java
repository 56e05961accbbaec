package io.pgvault.restore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * A file in the data directory while a restore writes into it, removed once the directory is complete. It names the
 * database system the restore is for, so that a restore killed before it wrote PG_VERSION and pg_control can still be
 * finished in place with --delta: the half-written directory is known to belong to the backup's cluster.
 */
final class RestoreMarker {

    /** The marker's name in the data directory (the backup never has it: a delta scan leaves it alone). */
    static final String NAME = "pgvault_restore_incomplete";

    private static final String PREFIX = "system identifier ";

    private RestoreMarker() {
    }

    /** Creates the data directory (0700) if needed and the marker in it, before the first restored file. */
    static void write(Path pgdata, String systemIdentifier, FileOwner owner) throws IOException {
        if (!Files.isDirectory(pgdata)) {
            Files.createDirectories(pgdata);
            Files.setPosixFilePermissions(pgdata, PosixFilePermissions.fromString("rwx------"));
            owner.apply(pgdata);
        }
        Path marker = pgdata.resolve(NAME);
        Files.writeString(marker, PREFIX + systemIdentifier + "\n", StandardCharsets.UTF_8);
        owner.apply(marker);
    }

    /** Removes the marker: the directory is complete. */
    static void remove(Path pgdata) throws IOException {
        Files.deleteIfExists(pgdata.resolve(NAME));
    }

    /** The system identifier of an interrupted restore into {@code pgdata}, if there was one. */
    static Optional<String> interruptedRestoreOf(Path pgdata) {
        Path marker = pgdata.resolve(NAME);
        try {
            if (!Files.isRegularFile(marker)) {
                return Optional.empty();
            }
            String text = Files.readString(marker, StandardCharsets.UTF_8).strip();
            return Optional.of(text.startsWith(PREFIX) ? text.substring(PREFIX.length()) : text);
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
