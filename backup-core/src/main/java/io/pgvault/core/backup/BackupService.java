package io.pgvault.core.backup;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.Version;
import io.pgvault.core.crypt.DataKey;
import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.manifest.FileEntry;
import io.pgvault.core.manifest.TablespaceEntry;
import io.pgvault.core.pg.BackupLabel;
import io.pgvault.core.pg.BackupStopResult;
import io.pgvault.core.pg.Lsn;
import io.pgvault.core.pg.PgSession;
import io.pgvault.core.pg.Tablespace;
import io.pgvault.core.pg.WalSegmentName;
import io.pgvault.core.pg.WalSegmentSize;
import io.pgvault.core.repo.BackupId;
import io.pgvault.core.repo.BackupType;
import io.pgvault.core.repo.ClusterInfo;
import io.pgvault.core.repo.Repository;
import io.pgvault.core.repo.RepositoryLock;
import io.pgvault.core.stream.FrameCodec;
import io.pgvault.core.wal.WalPushService;
import io.pgvault.storage.StorageException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes a base backup — full, or incremental/differential on top of a parent chosen by {@link ParentSelector}: holds a non-exclusive backup open on one connection while {@link ParallelCopy} streams the
 * data directory into the repository, waits until the backup's WAL is archived, and writes the manifest last.
 * Holds the cluster's {@link RepositoryLock#BACKUP} lock throughout, so two backups of one cluster never overlap.
 */
public final class BackupService {

    private static final Logger log = LoggerFactory.getLogger(BackupService.class);

    private final Repository repository;

    public BackupService(Repository repository) {
        this.repository = repository;
    }

    /**
     * Runs a backup.
     *
     * @return the manifest of the finished backup
     * @throws PgVaultException naming what failed; nothing of a failed backup stays listed
     */
    public BackupManifest run(BackupSettings settings, BackupProgress progress) {
        ClusterInfo cluster = repository.requireClusterInfo();
        checkDataDirectory(settings.pgdata());
        // one backup at a time per cluster, whether started by cron or by the agent
        try (RepositoryLock lock = RepositoryLock.acquire(repository, RepositoryLock.BACKUP, settings.lockWait());
             PgSession session = PgSession.open(settings.connection())) {
            checkServer(session, cluster, settings);
            BackupManifest parent = new ParentSelector(repository, why -> log.warn("{}", why))
                    .choose(settings.type(), cluster, session.versionNum(), session.currentTimeline())
                    .orElse(null);
            BackupType type = parent == null ? BackupType.FULL : settings.type();
            BackupId id = newBackupId(type);
            log.info("backup {} starting{}", id, parent == null ? "" : " on top of " + parent.id());
            try {
                return backup(id, parent, session, cluster, settings, progress);
            } catch (RuntimeException e) {
                cleanUp(id);
                throw e;
            }
        } catch (StorageException e) {
            throw Repository.translate(e);
        }
    }

    private BackupManifest backup(BackupId id, BackupManifest parent, PgSession session, ClusterInfo cluster, BackupSettings settings,
                                  BackupProgress progress) {
        Instant startTime = Instant.now();
        progress.phase("starting backup (checkpoint)");
        Lsn start = session.startBackup("pgvault " + id);
        boolean dataChecksums = "on".equals(session.setting("data_checksums"));
        boolean walLogHints = "on".equals(session.setting("wal_log_hints"));
        PageChecker pages = dataChecksums ? new PageChecker(start) : null;
        IncrementalBase base = parent == null ? null : new IncrementalBase(parent, dataChecksums, walLogHints);
        if (base != null && !base.pageSets()) {
            log.warn("{}: changed relation files are copied whole, not page by page: {}", id,
                    parent.hintBitsLogged() && (dataChecksums || walLogHints)
                            ? "data_checksums changed since " + parent.id() + "; the next full backup starts anew"
                            : "page sets need hint-bit changes WAL-logged (data_checksums or wal_log_hints on), now "
                            + "and when " + parent.id() + " started; set wal_log_hints = on (a restart) to get them "
                            + "from the next full backup on");
        }
        List<Tablespace> tablespaces = session.tablespaces();
        List<SourceEntry> entries = new DataDirectoryScanner(settings.pgdata(), session.majorVersion(), tablespaces)
                .scan();
        FrameCodec frames = repository.newBackupFrames(settings.codec(),
                settings.codec().checkLevel(settings.compressLevel()));
        List<FileEntry> files = new ParallelCopy(repository, id, settings, frames, progress, pages, base)
                .run(entries);
        progress.phase("stopping backup");
        BackupStopResult stop = session.stopBackup();
        Instant stopTime = Instant.now();
        BackupLabel label = BackupLabel.parse(stop.backupLabel());
        WalSegmentSize segSize = new WalSegmentSize(cluster.walSegmentSize());
        WalSegmentName startWal = WalSegmentName.parse(label.startWalFile(), segSize);
        WalSegmentName stopWal = WalSegmentName.endingAt(label.startTimeline(), stop.stopLsn(), segSize);
        progress.phase("waiting for WAL " + startWal + ".." + stopWal + " to be archived");
        new WalArchiveWaiter(repository, settings.pushWal() ? settings.pgdata().resolve("pg_wal") : null,
                new WalPushService(repository, settings.codec(), settings.compressLevel())).await(startWal, stopWal, settings.archiveTimeout(),
                session::lastArchiveFailure);

        List<FileEntry> all = new ArrayList<>(files);
        for (SourceEntry e : entries) {
            if (e.kind() != io.pgvault.core.manifest.EntryKind.FILE) {
                all.add(e.kind() == io.pgvault.core.manifest.EntryKind.LINK
                        ? FileEntry.link(e.path(), e.linkTarget(), e.mtime())
                        : FileEntry.directory(e.path(), e.mode(), e.mtime()));
            }
        }
        all.sort(Comparator.comparing(FileEntry::path));
        long dataSize = files.stream().mapToLong(FileEntry::size).sum();
        long repoSize = files.stream().mapToLong(FileEntry::storedSize).sum();
        String spcmap = stop.tablespaceMap() == null || stop.tablespaceMap().isBlank() ? null : stop.tablespaceMap();
        BackupManifest manifest = new BackupManifest(BackupManifest.formatFor(all), id, id.type(),
                parent == null ? null : parent.id(),
                repository.layout().cluster(), cluster.systemIdentifier(), session.versionNum(),
                cluster.walSegmentSize(), label.startTimeline(), label.startLsn(), stop.stopLsn(),
                startWal.fileName(), stopWal.fileName(), startTime, stopTime, stop.backupLabel(), spcmap,
                settings.codec(), frames.level(), frames.encrypted() ? DataKey.ALGORITHM : null,
                tablespaces.stream().map(t -> new TablespaceEntry(t.oid(), t.name(), t.location())).toList(),
                all, dataSize, repoSize, Version.VALUE, pages == null ? List.of() : pages.errors(), dataChecksums,
                walLogHints);
        for (var e : manifest.pageErrors()) {
            log.warn("corrupt page checksum in {}: blocks {} (the backup keeps them as read; check the server's"
                    + " storage)", e.path(), e.blocks());
        }
        progress.phase("writing manifest");
        repository.writeManifest(manifest, frames);
        log.info("backup {} complete: {} files, {} bytes, stop LSN {}", id, files.size(), dataSize, stop.stopLsn());
        return manifest;
    }

    private void checkDataDirectory(Path pgdata) {
        if (!Files.isRegularFile(pgdata.resolve("PG_VERSION")) || !Files.isDirectory(pgdata.resolve("global"))) {
            throw new PgVaultException(ErrorCode.CONFIG, pgdata + " is not a PostgreSQL data directory (no PG_VERSION); "
                    + "set --pgdata to the server's data directory");
        }
    }

    private void checkServer(PgSession session, ClusterInfo cluster, BackupSettings settings) {
        Path pgdata = settings.pgdata();
        String sysid = session.systemIdentifier();
        if (!sysid.equals(cluster.systemIdentifier())) {
            throw new PgVaultException(ErrorCode.WRONG_CLUSTER, "the server at " + settings.connection().describe()
                    + " has system identifier " + sysid + " but cluster '" + repository.layout().cluster()
                    + "' in the repository belongs to " + cluster.systemIdentifier() + "; use another --cluster name");
        }
        if (session.isInRecovery()) {
            throw new PgVaultException(ErrorCode.REFUSED, "the server is a standby; take backups from the primary");
        }
        String archiveMode = session.setting("archive_mode");
        if ("off".equals(archiveMode) && !settings.walStreamed()) {
            throw new PgVaultException(ErrorCode.REFUSED, "archive_mode is off: a backup is only usable with its WAL; "
                    + "set archive_mode = on and archive_command = 'pgvault wal-push %p', then restart the server "
                    + "(or run the backups from `pgvault agent --wal-mode stream`)");
        }
        String dataDirectory = session.setting("data_directory");
        if (dataDirectory != null && !samePath(Path.of(dataDirectory), pgdata)) {
            throw new PgVaultException(ErrorCode.CONFIG, "--pgdata " + pgdata + " is not the data directory of the "
                    + "server (" + dataDirectory + "); fix --pgdata or --pg-port");
        }
    }

    private static boolean samePath(Path a, Path b) {
        try {
            return a.toRealPath().equals(b.toRealPath());
        } catch (java.io.IOException e) {
            return a.normalize().equals(b.toAbsolutePath().normalize());
        }
    }

    /**
     * A new id whose second is later than every existing backup's, so that ids sort in the order backups were taken
     * whatever their type letters (a differential and an incremental started within one second would otherwise sort
     * by letter), and that no two backups share a prefix.
     */
    private BackupId newBackupId(BackupType type) {
        String newest = repository.backupIds().stream().map(i -> i.toString().substring(0, 15)).max(String::compareTo)
                .orElse("");
        if (newest.compareTo(BackupId.of(Instant.now().plusSeconds(5), type).toString().substring(0, 15)) > 0) {
            newest = ""; // a backup from a clock ahead of ours: do not wait for it
        }
        BackupId id = BackupId.of(Instant.now(), type);
        while (id.toString().substring(0, 15).compareTo(newest) <= 0
                || repository.storage().list(repository.layout().backupPrefix(id)).findAny().isPresent()) {
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PgVaultException(ErrorCode.INTERNAL, "interrupted");
            }
            id = BackupId.of(Instant.now(), type);
        }
        return id;
    }

    private void cleanUp(BackupId id) {
        try {
            repository.deleteBackupObjects(id);
        } catch (RuntimeException e) {
            log.warn("could not remove the objects of failed backup {}: {} (pgvault expire removes them later)",
                    id, e.getMessage());
        }
    }
}
