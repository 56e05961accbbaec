package io.pgvault.core.relation;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/** Files that hold credentials: created mode 0600 from the start (never chmod-ed afterwards), replaced atomically. */
public final class PrivateFile {

    private PrivateFile() {
    }

    /**
     * Writes a file readable by its owner only: a new file created 0600 beside the target, synced, then renamed
     * over it. A missing directory is created 0700.
     *
     * @throws PgVaultException LOCAL_IO naming the file
     */
    public static void write(Path file, String text) {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
            }
            tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                java.nio.ByteBuffer bytes = StandardCharsets.UTF_8.encode(text);
                while (bytes.hasRemaining()) {
                    ch.write(bytes);
                }
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            tmp = null;
        } catch (IOException e) {
            throw new PgVaultException(ErrorCode.LOCAL_IO, "cannot write " + file + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the failure above is the one to report
                }
            }
        }
    }
}
