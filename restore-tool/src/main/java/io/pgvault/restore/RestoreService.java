package io.pgvault.restore;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.backup.BackupProgress;
import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.manifest.TablespaceEntry;
import io.pgvault.core.repo.Repository;
import io.pgvault.core.repo.RepositoryReader;
import io.pgvault.storage.StorageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restores a backup into an empty data directory and configures recovery to the requested target. Every refusal —
 * a running server, a non-empty directory, a target outside the recoverable window — happens before anything is
 * written.
 */
public final class RestoreService {

    private static final Logger log = LoggerFactory.getLogger(RestoreService.class);

    private final RepositoryReader repository;

    public RestoreService(RepositoryReader repository) {
        this.repository = repository;
    }

    /** Checks everything that can be checked without writing, and returns the backup that would be restored. */
    public BackupManifest plan(RestoreRequest request) {
        try {
            DataDirectoryGuard.refuseRunningServer(request.pgdata());
            DataDirectoryGuard.refuseNonEmpty(request.pgdata(), "data directory");
            BackupManifest backup = new RestorePlanner(repository).choose(request);
            for (TablespaceEntry ts : backup.tablespaces()) {
                Path location = request.tablespaceMap().getOrDefault(ts.oid(), Path.of(ts.location()));
                DataDirectoryGuard.refuseNonEmpty(location, "tablespace directory of " + ts.name());
            }
            return backup;
        } catch (StorageException e) {
            throw Repository.translate(e);
        }
    }

    public RestoreResult restore(RestoreRequest request, BackupProgress progress) {
        BackupManifest backup = plan(request);
        log.info("restoring backup {} into {} for {}", backup.id(), request.pgdata(), request.target().describe());
        try {
            FileOwner owner = FileOwner.forTarget(request.pgdata());
            int files = new FileRestorer(repository, backup, request.pgdata(), request.tablespaceMap(), owner, progress)
                    .restore(request.jobs());
            writeLabels(request, backup, owner);
            Map<String, String> settings = RecoveryConfigWriter.settings(request);
            RecoveryConfigWriter.write(request.pgdata(), settings, "recovery.signal");
            owner.apply(request.pgdata().resolve("recovery.signal"));
            owner.apply(request.pgdata().resolve("postgresql.auto.conf"));
            return new RestoreResult(backup, files, backup.dataSize(), settings);
        } catch (StorageException e) {
            throw Repository.translate(e);
        } catch (IOException e) {
            throw new PgVaultException(ErrorCode.LOCAL_IO, "restore into " + request.pgdata() + " failed: "
                    + e.getMessage() + "; the directory is incomplete, empty it before trying again", e);
        }
    }

    private static void writeLabels(RestoreRequest request, BackupManifest backup, FileOwner owner) throws IOException {
        Path label = request.pgdata().resolve("backup_label");
        Files.writeString(label, backup.backupLabel(), StandardCharsets.UTF_8);
        owner.apply(label);
        if (backup.tablespaceMap() != null) {
            StringBuilder map = new StringBuilder();
            for (String line : backup.tablespaceMap().split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                String oid = line.substring(0, line.indexOf(' '));
                Path remapped = request.tablespaceMap().get(Long.parseLong(oid));
                map.append(remapped == null ? line : oid + " " + remapped).append('\n');
            }
            Path spc = request.pgdata().resolve("tablespace_map");
            Files.writeString(spc, map.toString(), StandardCharsets.UTF_8);
            owner.apply(spc);
        }
    }
}
