package io.pgvault.core.repo;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.pg.WalFileName;
import io.pgvault.core.stream.Codec;
import io.pgvault.storage.ObjectInfo;
import io.pgvault.storage.ObjectNotFoundException;
import io.pgvault.storage.ObjectWriter;
import io.pgvault.storage.Storage;
import io.pgvault.storage.StorageException;
import io.pgvault.storage.WriteMode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** One cluster in a repository: its binding, backups and archived WAL, over any {@link Storage}. */
public final class Repository implements RepositoryReader {

    private final Storage storage;
    private final RepositoryLayout layout;

    public Repository(Storage storage, String cluster) {
        this.storage = storage;
        this.layout = new RepositoryLayout(cluster);
    }

    @Override
    public Storage storage() {
        return storage;
    }

    @Override
    public RepositoryLayout layout() {
        return layout;
    }

    @Override
    public Optional<ClusterInfo> clusterInfo() {
        String key = layout.clusterInfo();
        try (InputStream in = storage.read(key)) {
            return Optional.of(Json.mapper().readValue(in, ClusterInfo.class));
        } catch (ObjectNotFoundException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new PgVaultException(ErrorCode.DAMAGED, key + " is corrupt (" + firstLine(e) + ")", e);
        }
    }

    @Override
    public ClusterInfo requireClusterInfo() {
        return clusterInfo().orElseThrow(() -> new PgVaultException(ErrorCode.NOT_FOUND,
                "cluster '" + layout.cluster() + "' is not initialized in this repository: run pgvault init"));
    }

    /**
     * Writes the cluster's binding unless one exists.
     *
     * @return false when a binding already existed (nothing written)
     */
    public boolean createClusterInfo(ClusterInfo info) {
        try (ObjectWriter w = storage.write(layout.clusterInfo(), WriteMode.CREATE_NEW)) {
            Json.mapper().writerWithDefaultPrettyPrinter().writeValue(new io.pgvault.core.stream.NonClosingOutputStream(w), info);
            w.commit();
            return true;
        } catch (io.pgvault.storage.ObjectExistsException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public List<BackupManifest> backups() {
        List<BackupManifest> manifests = new ArrayList<>();
        for (BackupId id : backupIds()) {
            manifests.add(backup(id));
        }
        return manifests;
    }

    @Override
    public List<BackupId> backupIds() {
        try (Stream<ObjectInfo> s = storage.list(layout.backupsPrefix())) {
            return s.map(ObjectInfo::key)
                    .filter(k -> k.endsWith("/manifest.json"))
                    .map(k -> k.substring(layout.backupsPrefix().length(), k.length() - "/manifest.json".length()))
                    .filter(id -> !id.contains("/"))
                    .map(Repository::parseIdOrNull)
                    .filter(java.util.Objects::nonNull)
                    .sorted()
                    .collect(Collectors.toList());
        }
    }

    private static BackupId parseIdOrNull(String text) {
        try {
            return BackupId.parse(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @Override
    public BackupManifest backup(BackupId id) {
        String key = layout.manifest(id);
        try (InputStream in = storage.read(key)) {
            return BackupManifest.read(in, key);
        } catch (ObjectNotFoundException e) {
            throw new PgVaultException(ErrorCode.NOT_FOUND, "backup " + id + " does not exist in cluster '"
                    + layout.cluster() + "'; pgvault list shows the backups");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes a backup's manifest; the backup exists from the moment this returns. */
    public void writeManifest(BackupManifest manifest) {
        try (ObjectWriter w = storage.write(layout.manifest(manifest.id()), WriteMode.CREATE_NEW)) {
            manifest.write(new io.pgvault.core.stream.NonClosingOutputStream(w));
            w.commit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes every object under a backup's prefix (used to clean up a failed backup). */
    public void deleteBackupObjects(BackupId id) {
        List<String> keys;
        try (Stream<ObjectInfo> s = storage.list(layout.backupPrefix(id))) {
            keys = s.map(ObjectInfo::key).collect(Collectors.toList());
        }
        // the manifest goes first, so an interrupted delete never leaves a listed backup with missing data
        keys.stream().filter(k -> k.endsWith("/manifest.json")).findFirst()
                .ifPresent(m -> storage.delete(List.of(m)));
        storage.delete(keys);
    }

    @Override
    public java.util.Set<BackupId> pins() {
        try (Stream<ObjectInfo> s = storage.list(layout.pinsPrefix())) {
            return s.map(i -> i.key().substring(layout.pinsPrefix().length()))
                    .map(Repository::parseIdOrNull)
                    .filter(java.util.Objects::nonNull)
                    .collect(Collectors.toCollection(java.util.TreeSet::new));
        }
    }

    /**
     * Pins a backup so that expire keeps it (and the backups it depends on).
     *
     * @return false when it was already pinned
     * @throws PgVaultException NOT_FOUND when the backup does not exist
     */
    public boolean pin(BackupId id) {
        backup(id);
        if (storage.stat(layout.pin(id)).isPresent()) {
            return false;
        }
        try (ObjectWriter w = storage.write(layout.pin(id), WriteMode.OVERWRITE)) {
            w.write(("{\"pinnedAt\":\"" + java.time.Instant.now() + "\"}\n")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            w.commit();
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Removes a backup's pin.
     *
     * @return false when it was not pinned
     */
    public boolean unpin(BackupId id) {
        if (storage.stat(layout.pin(id)).isEmpty()) {
            return false;
        }
        storage.delete(List.of(layout.pin(id)));
        return true;
    }

    @Override
    public List<ArchivedWal> walFiles() {
        try (Stream<ObjectInfo> s = storage.list(layout.walPrefix())) {
            return s.map(this::toArchivedWal).flatMap(Optional::stream).collect(Collectors.toList());
        }
    }

    @Override
    public Optional<ArchivedWal> findWal(WalFileName name) {
        String stem = layout.walObjectStem(name);
        try (Stream<ObjectInfo> s = storage.list(stem + ".")) {
            return s.map(this::toArchivedWal).flatMap(Optional::stream)
                    .filter(w -> w.name().equals(name)).findFirst();
        }
    }

    /** Parses {@code .../<walname>.<ext>}; other objects under wal/ are ignored. */
    private Optional<ArchivedWal> toArchivedWal(ObjectInfo info) {
        String key = info.key();
        int slash = key.lastIndexOf('/');
        int dot = key.lastIndexOf('.');
        if (dot <= slash) {
            return Optional.empty();
        }
        try {
            WalFileName name = WalFileName.parse(key.substring(slash + 1, dot));
            Codec codec = Codec.byExtension(key.substring(dot + 1));
            return Optional.of(new ArchivedWal(name, key, codec, info.size(), info.lastModified()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    @Override
    public InputStream openBackupObject(BackupId id, String object, long offset, long length) {
        String key = layout.backupObject(id, object);
        try {
            return storage.read(key, offset, length);
        } catch (ObjectNotFoundException e) {
            throw new PgVaultException(ErrorCode.DAMAGED, "backup " + id + " is missing object " + key
                    + "; run pgvault verify");
        }
    }

    /** Maps storage failures to pgvault's error codes, keeping the storage message. */
    public static PgVaultException translate(StorageException e) {
        ErrorCode code = switch (e.reason()) {
            case NOT_FOUND -> ErrorCode.NOT_FOUND;
            case CONFIGURATION -> ErrorCode.CONFIG;
            default -> ErrorCode.STORAGE;
        };
        return new PgVaultException(code, e.getMessage(), e);
    }

    static String firstLine(Exception e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m.lines().findFirst().orElse("");
    }
}
