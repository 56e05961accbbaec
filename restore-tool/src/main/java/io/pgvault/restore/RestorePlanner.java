package io.pgvault.restore;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.info.InfoService;
import io.pgvault.core.info.RecoverableWindow;
import io.pgvault.core.info.RepositorySummary;
import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.pg.WalSegmentName;
import io.pgvault.core.pg.WalSegmentSize;
import io.pgvault.core.repo.RepositoryReader;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Chooses the backup for a restore — the newest that ends before the target — and refuses targets outside the
 * recoverable window, before anything is written.
 */
public final class RestorePlanner {

    private final RepositoryReader repository;

    public RestorePlanner(RepositoryReader repository) {
        this.repository = repository;
    }

    public BackupManifest choose(RestoreRequest request) {
        RepositorySummary summary = new InfoService(repository).summarize();
        List<BackupManifest> backups = summary.backups();
        if (backups.isEmpty()) {
            throw new PgVaultException(ErrorCode.NOT_FOUND, "cluster '" + repository.layout().cluster()
                    + "' has no backups; run pgvault backup first");
        }
        Optional<RecoverableWindow> window = summary.window();
        if (window.isEmpty()) {
            throw new PgVaultException(ErrorCode.DAMAGED, "no backup of cluster '" + repository.layout().cluster()
                    + "' has all of its WAL in the archive; run pgvault info and pgvault verify");
        }
        checkWindow(request.target(), window.get());
        if (request.backup() != null) {
            BackupManifest chosen = repository.backup(request.backup());
            checkBackupFitsTarget(chosen, request.target());
            return chosen;
        }
        return backups.stream()
                .filter(b -> endsBefore(b, request.target()))
                .filter(b -> summary.walRanges().stream().anyMatch(r -> r.first().compareTo(b.startWal()) <= 0
                        && r.last().compareTo(b.stopWal()) >= 0 && r.first().startsWith(b.startWal().substring(0, 8))))
                .max(Comparator.comparing(BackupManifest::id))
                .orElseThrow(() -> new PgVaultException(ErrorCode.REFUSED, "no backup ends before "
                        + request.target().describe() + "; the earliest recoverable point is "
                        + window.get().earliest()));
    }

    private static boolean endsBefore(BackupManifest b, RecoveryTarget target) {
        if (target instanceof RecoveryTarget.Time t) {
            return b.stopTime().isBefore(t.time().toInstant());
        }
        if (target instanceof RecoveryTarget.AtLsn l) {
            return !b.stopLsn().isAfter(l.lsn());
        }
        return true;
    }

    private static void checkBackupFitsTarget(BackupManifest b, RecoveryTarget target) {
        if (!endsBefore(b, target)) {
            throw new PgVaultException(ErrorCode.REFUSED, "backup " + b.id() + " ends at " + b.stopTime() + " (LSN "
                    + b.stopLsn() + "), after " + target.describe() + "; choose an older backup or a later target");
        }
    }

    private void checkWindow(RecoveryTarget target, RecoverableWindow window) {
        if (target instanceof RecoveryTarget.Time t) {
            Instant at = t.time().toInstant();
            if (at.isBefore(window.earliest())) {
                throw new PgVaultException(ErrorCode.REFUSED, "target " + t.describe()
                        + " is before the recoverable window, which starts at " + window.earliest()
                        + " (end of the oldest backup)");
            }
            if (at.isAfter(window.latest())) {
                throw new PgVaultException(ErrorCode.REFUSED, "target " + t.describe()
                        + " is after the end of the archive: the newest archived WAL (" + window.latestWal()
                        + ") was archived at " + window.latest() + "; archive more WAL (SELECT pg_switch_wal()) "
                        + "or choose an earlier target");
            }
        }
        if (target instanceof RecoveryTarget.AtLsn l) {
            WalSegmentSize size = new WalSegmentSize(repository.requireClusterInfo().walSegmentSize());
            WalSegmentName last = WalSegmentName.parse(window.latestWal(), size);
            if (l.lsn().compareTo(last.endLsn()) > 0) {
                throw new PgVaultException(ErrorCode.REFUSED, "target " + l.describe()
                        + " is after the end of the archive (" + last + " ends at " + last.endLsn() + ")");
            }
        }
    }
}
