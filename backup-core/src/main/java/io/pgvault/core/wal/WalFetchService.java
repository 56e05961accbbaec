package io.pgvault.core.wal;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.pg.WalFileName;
import io.pgvault.core.repo.ArchivedWal;
import io.pgvault.core.repo.Repository;
import io.pgvault.core.repo.RepositoryReader;
import io.pgvault.core.repo.WalObjectFormat;
import io.pgvault.core.stream.ContentDigest;
import io.pgvault.storage.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Restores one archived WAL file (restore_command): downloads it to a temporary file beside the destination, checks
 * size and SHA-256, fsyncs, then renames it into place, so PostgreSQL never sees a partial or damaged file.
 */
public final class WalFetchService {

    private static final int BUFFER = 256 * 1024;

    private final RepositoryReader repository;

    public WalFetchService(RepositoryReader repository) {
        this.repository = repository;
    }

    /**
     * Fetches {@code name} to {@code destination}.
     *
     * @throws PgVaultException WAL_NOT_IN_ARCHIVE when the archive does not have it (the normal end of recovery)
     */
    public void fetch(String name, Path destination) {
        WalFileName wal;
        try {
            wal = WalFileName.parse(name);
        } catch (IllegalArgumentException e) {
            throw new PgVaultException(ErrorCode.USAGE, e.getMessage() + "; wal-fetch takes the %f of restore_command");
        }
        try {
            // a wrong key must fail before "not in archive", which would end recovery early
            repository.masterKey();
            var whole = repository.findWal(wal);
            if (whole.isPresent()) {
                download(whole.get(), destination, 0);
                return;
            }
            var partial = wal.kind() == WalFileName.Kind.SEGMENT
                    ? repository.findWal(WalFileName.parse(name + ".partial")) : java.util.Optional.<ArchivedWal>empty();
            if (partial.isEmpty()) {
                throw new PgVaultException(ErrorCode.WAL_NOT_IN_ARCHIVE, "WAL file " + name + " is not in the archive");
            }
            download(partial.get(), destination, repository.requireClusterInfo().walSegmentSize());
        } catch (StorageException e) {
            throw Repository.translate(e);
        } catch (IOException e) {
            throw new PgVaultException(ErrorCode.LOCAL_IO, "cannot write " + destination + ": " + e.getMessage(), e);
        }
    }

    /**
     * Downloads and checks one object; {@code padTo} > 0 appends zeros up to that size. A streamed .partial is served
     * this way under its segment's name: restore_command must deliver a whole segment (PostgreSQL's
     * RestoreArchivedFile treats a short file as FATAL outside standby mode), and recovery ends at the first record
     * that is not valid — the zeros after the streamed bytes — as it does at the end of any WAL.
     */
    private void download(ArchivedWal archived, Path destination, long padTo) throws IOException {
        Path dest = destination.toAbsolutePath();
        Path temp = dest.resolveSibling(dest.getFileName() + ".pgvault-tmp");
        var master = repository.masterKey();
        ContentDigest digest = WalObjectFormat.digest(master);
        long size = 0;
        WalObjectFormat.Header header;
        boolean intact;
        try (InputStream raw = repository.storage().read(archived.key())) {
            WalObjectFormat.Body body = WalObjectFormat.open(raw, archived.key(), archived.name(), master);
            header = body.header();
            try (InputStream in = body.content();
                 FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE,
                         StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                OutputStream out = Channels.newOutputStream(channel);
                byte[] buffer = new byte[BUFFER];
                int n;
                while ((n = in.read(buffer)) > 0) {
                    digest.update(buffer, 0, n);
                    out.write(buffer, 0, n);
                    size += n;
                }
                intact = header.sameContentAs(size, digest.digest());
                if (intact && padTo > size) {
                    byte[] zeros = new byte[BUFFER];
                    for (long left = padTo - size; left > 0; left -= Math.min(left, BUFFER)) {
                        out.write(zeros, 0, (int) Math.min(left, BUFFER));
                    }
                }
                channel.force(true);
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            if (e instanceof IOException && !(e instanceof java.nio.file.FileSystemException)) {
                throw new PgVaultException(ErrorCode.DAMAGED, "archived WAL object " + archived.key()
                        + " cannot be decompressed (" + e.getMessage() + "); run pgvault verify", e);
            }
            throw e;
        }
        if (!intact) {
            Files.deleteIfExists(temp);
            throw new PgVaultException(ErrorCode.DAMAGED, "archived WAL object " + archived.key()
                    + " fails its checksum; run pgvault verify");
        }
        Files.move(temp, dest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel dir = FileChannel.open(dest.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

}
