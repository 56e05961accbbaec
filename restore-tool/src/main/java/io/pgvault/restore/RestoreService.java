package io.pgvault.restore;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.backup.BackupProgress;
import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.manifest.Chunk;
import io.pgvault.core.manifest.FileEntry;
import io.pgvault.core.manifest.TablespaceEntry;
import io.pgvault.core.repo.BackupChain;
import io.pgvault.core.repo.Repository;
import io.pgvault.core.repo.RepositoryReader;
import io.pgvault.storage.StorageException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restores a backup into a data directory and configures recovery to the requested target (or as a standby), and
 * leaves a PostgreSQL-format backup_manifest beside it for pg_verifybackup. Into
 * an empty directory everything is written; with delta, only what differs from the backup. Every refusal — a running
 * server, a non-empty or foreign directory, a target outside the recoverable window — happens before anything is
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
            if (!request.delta()) {
                DataDirectoryGuard.refuseNonEmpty(request.pgdata(), "data directory");
            }
            BackupManifest backup = new RestorePlanner(repository).choose(request);
            checkChain(backup);
            if (request.delta()) {
                DataDirectoryGuard.refuseForeignDataDirectory(request.pgdata(), backup.systemIdentifier());
            } else {
                for (TablespaceEntry ts : backup.tablespaces()) {
                    Path location = request.tablespaceMap().getOrDefault(ts.oid(), Path.of(ts.location()));
                    DataDirectoryGuard.refuseNonEmpty(location, "tablespace directory of " + ts.name());
                }
            }
            return backup;
        } catch (StorageException e) {
            throw Repository.translate(e);
        }
    }

    public RestoreResult restore(RestoreRequest request, BackupProgress progress) {
        BackupManifest backup = plan(request);
        log.info("restoring backup {} into {} for {}{}", backup.id(), request.pgdata(), request.target().describe(),
                request.delta() ? " (delta)" : "");
        try {
            FileOwner owner = FileOwner.forTarget(request.pgdata());
            RestoreMarker.write(request.pgdata(), backup.systemIdentifier(), owner);
            DeltaScan.Result delta = request.delta()
                    ? new DeltaScan(backup, request.pgdata(), request.tablespaceMap()).run(request.jobs())
                    : new DeltaScan.Result(Set.of(), 0);
            int files = new FileRestorer(repository, BackupChain.of(repository, backup), request.pgdata(), request.tablespaceMap(), owner, progress,
                    delta.unchanged()).restore(request.jobs());
            List<PgBackupManifest.WrittenFile> labels = writeLabels(request, backup, owner);
            Path pgManifest = request.pgdata().resolve(PgBackupManifest.FILE_NAME);
            Files.writeString(pgManifest, PgBackupManifest.render(backup, labels), StandardCharsets.UTF_8);
            owner.apply(pgManifest);
            Map<String, String> settings = RecoveryConfigWriter.settings(request);
            RecoveryConfigWriter.write(request.pgdata(), settings, request.signalFile());
            owner.apply(request.pgdata().resolve(request.signalFile()));
            owner.apply(request.pgdata().resolve("postgresql.auto.conf"));
            RestoreMarker.remove(request.pgdata());
            long bytes = backup.files().stream().filter(f -> !delta.unchanged().contains(f.path()))
                    .mapToLong(FileEntry::size).sum();
            RestoreResult.DeltaCounts counts = request.delta()
                    ? new RestoreResult.DeltaCounts(files, delta.removed(), delta.unchanged().size()) : null;
            return new RestoreResult(backup, files, bytes, settings, counts);
        } catch (StorageException e) {
            throw Repository.translate(e);
        } catch (IOException e) {
            throw new PgVaultException(ErrorCode.LOCAL_IO, "restore into " + request.pgdata() + " failed: "
                    + e.getMessage() + "; the directory is incomplete, " + (request.delta()
                    ? "run the delta restore again" : "empty it before trying again"), e);
        }
    }

    /**
     * For a backup that builds on others: every ancestor's manifest and every object its files refer to must exist,
     * checked before anything is written (one stat per object).
     */
    private void checkChain(BackupManifest backup) {
        if (backup.parent() == null) {
            return;
        }
        BackupChain.of(repository, backup);
        Set<String> keys = new TreeSet<>();
        for (FileEntry f : backup.files()) {
            for (Chunk c : f.chunks()) {
                keys.add(repository.layout().backupObject(c.backupOr(backup.id()), c.object()));
            }
        }
        for (String key : keys) {
            if (repository.storage().stat(key).isEmpty()) {
                throw new PgVaultException(ErrorCode.DAMAGED, "backup " + backup.id() + " cannot be restored: "
                        + key + " it refers to is missing; restore another backup (--backup) and run pgvault verify");
            }
        }
    }

    /** Writes backup_label and tablespace_map; returns them as written, for the PostgreSQL-format manifest. */
    private static List<PgBackupManifest.WrittenFile> writeLabels(RestoreRequest request, BackupManifest backup,
                                                                  FileOwner owner) throws IOException {
        List<PgBackupManifest.WrittenFile> written = new ArrayList<>();
        Path label = request.pgdata().resolve("backup_label");
        Files.writeString(label, backup.backupLabel(), StandardCharsets.UTF_8);
        owner.apply(label);
        written.add(written(label, "backup_label"));
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
            written.add(written(spc, "tablespace_map"));
        }
        return written;
    }

    private static PgBackupManifest.WrittenFile written(Path file, String name) throws IOException {
        return new PgBackupManifest.WrittenFile(name, Files.readAllBytes(file),
                Files.getLastModifiedTime(file).toInstant());
    }
}
