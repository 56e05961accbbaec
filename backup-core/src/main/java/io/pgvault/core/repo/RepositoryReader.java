package io.pgvault.core.repo;

import io.pgvault.core.crypt.MasterKey;
import io.pgvault.core.manifest.BackupHeader;
import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.pg.WalFileName;
import io.pgvault.core.stream.FrameCodec;
import io.pgvault.storage.Storage;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/** A read-only view of one cluster in a repository, as restore and info use it. */
public interface RepositoryReader {

    RepositoryLayout layout();

    /** The cluster's binding, or empty when {@code pgvault init} has not run for it. */
    Optional<ClusterInfo> clusterInfo();

    /**
     * The cluster's binding.
     *
     * @throws io.pgvault.core.PgVaultException NOT_FOUND with the init command to run
     */
    ClusterInfo requireClusterInfo();

    /** The ids of every backup that has a manifest, oldest first, without reading the manifests. */
    List<BackupId> backupIds();

    /**
     * Every backup that has a manifest, oldest first, as headers: without their file lists, so memory does not grow
     * with backups times files. Read a backup with {@link #backup} to restore or verify it.
     */
    List<BackupHeader> backupHeaders();

    /**
     * One backup's manifest.
     *
     * @throws io.pgvault.core.PgVaultException NOT_FOUND naming the id and how to list backups
     */
    BackupManifest backup(BackupId id);

    /** The pinned backups (ids with a pin marker; a marker may outlive its backup). */
    java.util.Set<BackupId> pins();

    /** Every archived WAL file, in key order. */
    List<ArchivedWal> walFiles();

    /** The archived form of one WAL file, if any. */
    Optional<ArchivedWal> findWal(WalFileName name);

    /** Opens a byte range of an object inside a backup's prefix. */
    InputStream openBackupObject(BackupId id, String object, long offset, long length);

    /**
     * The repository's master key: empty when the cluster is not encrypted. Unlocks it at the first call.
     *
     * @throws io.pgvault.core.PgVaultException KEY when the passphrase is missing, wrong, or given for a cluster
     *                                          that is not encrypted
     */
    Optional<MasterKey> masterKey();

    /** How the data frames of a backup are read (its codec, and its data key when encrypted). */
    FrameCodec frames(BackupManifest manifest);

    /** The underlying storage, read-only by convention; for streaming WAL objects. */
    Storage storage();
}
