package io.pgvault.core.repo;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.crypt.DataKey;
import io.pgvault.core.crypt.MasterKey;
import io.pgvault.core.crypt.Passphrase;
import io.pgvault.core.manifest.BackupHeader;
import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.pg.WalFileName;
import io.pgvault.core.stream.Codec;
import io.pgvault.core.stream.FrameCodec;
import io.pgvault.core.stream.NonClosingOutputStream;
import io.pgvault.storage.ObjectInfo;
import io.pgvault.storage.ObjectNotFoundException;
import io.pgvault.storage.ObjectWriter;
import io.pgvault.storage.Storage;
import io.pgvault.storage.StorageException;
import io.pgvault.storage.WriteMode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** One cluster in a repository: its binding, backups and archived WAL, over any {@link Storage}. */
public final class Repository implements RepositoryReader {

    /** What the encrypted content of manifests is bound to. */
    static String manifestContext(BackupId id) {
        return "manifest " + id;
    }

    private final Storage storage;
    private final RepositoryLayout layout;
    private final Passphrase passphrase;
    private final Map<BackupId, DataKey> backupKeys = new ConcurrentHashMap<>();
    private Optional<MasterKey> masterKey;

    /** A repository opened without a passphrase: only usable when the cluster is not encrypted. */
    public Repository(Storage storage, String cluster) {
        this(storage, cluster, null);
    }

    /**
     * @param passphrase the encryption passphrase, or null; checked against the cluster's key check at first use
     */
    public Repository(Storage storage, String cluster, Passphrase passphrase) {
        this.storage = storage;
        this.layout = new RepositoryLayout(cluster);
        this.passphrase = passphrase;
    }

    /** The passphrase this repository was opened with, or null. */
    public Passphrase passphrase() {
        return passphrase;
    }

    @Override
    public synchronized Optional<MasterKey> masterKey() {
        if (masterKey == null) {
            Optional<ClusterInfo> info = clusterInfo();
            if (info.isEmpty() && passphrase == null) {
                return Optional.empty(); // nothing is bound yet, so nothing is encrypted; init will bind it
            }
            masterKey = unlock(info.orElseGet(this::requireClusterInfo));
        }
        return masterKey;
    }

    private Optional<MasterKey> unlock(ClusterInfo info) {
        String cluster = "cluster '" + layout.cluster() + "'";
        if (!info.encrypted()) {
            if (passphrase != null) {
                throw new PgVaultException(ErrorCode.KEY, cluster + " is not encrypted but a passphrase was given;"
                        + " unset PGVAULT_PASSPHRASE, PGVAULT_PASSPHRASE_FILE and the config keys passphrase and"
                        + " passphrase-file (encryption is chosen at init)");
            }
            return Optional.empty();
        }
        if (passphrase == null) {
            throw new PgVaultException(ErrorCode.KEY, cluster + " is encrypted and no passphrase was given: set"
                    + " PGVAULT_PASSPHRASE, the config key passphrase, or --passphrase-file FILE");
        }
        return Optional.of(info.keyCheck().open(passphrase, cluster));
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

    /** Writes (replaces) a cluster binding at {@code key}; visible only once complete, as every object write. */
    void writeClusterInfo(String key, ClusterInfo info) {
        try (ObjectWriter w = storage.write(key, WriteMode.OVERWRITE)) {
            Json.mapper().writerWithDefaultPrettyPrinter().writeValue(new NonClosingOutputStream(w), info);
            w.commit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public List<BackupHeader> backupHeaders() {
        masterKey(); // a wrong or missing key fails here even when there is no backup yet
        List<BackupHeader> headers = new ArrayList<>();
        for (BackupId id : backupIds()) {
            headers.add(readManifest(id, BackupManifest::readHeader));
        }
        return headers;
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
        return readManifest(id, BackupManifest::read);
    }

    /** Reads a backup's manifest (unsealing it in an encrypted repository, which also yields its data key). */
    private <T> T readManifest(BackupId id, java.util.function.BiFunction<InputStream, String, T> parse) {
        String key = layout.manifest(id);
        try (InputStream in = storage.read(key)) {
            Optional<MasterKey> master = masterKey();
            if (master.isEmpty()) {
                return parse.apply(in, key);
            }
            SealedObjectFormat.Opened opened = SealedObjectFormat.open(in, master.get(), manifestContext(id), key);
            T manifest = parse.apply(opened.content(), key);
            backupKeys.put(id, opened.key());
            return manifest;
        } catch (ObjectNotFoundException e) {
            throw new PgVaultException(ErrorCode.NOT_FOUND, "backup " + id + " does not exist in cluster '"
                    + layout.cluster() + "'; pgvault list shows the backups");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * How the data frames of a new backup are written: with a fresh random data key when the repository is
     * encrypted. Pass the same {@link FrameCodec} to {@link #writeManifest}, which stores its key.
     */
    public FrameCodec newBackupFrames(Codec codec, int level) {
        return new FrameCodec(codec, level, masterKey().isPresent() ? DataKey.generate() : null);
    }

    @Override
    public FrameCodec frames(BackupManifest manifest) {
        if (masterKey().isEmpty()) {
            return FrameCodec.plain(manifest.codec(), manifest.compressLevel());
        }
        DataKey key = backupKeys.get(manifest.id());
        if (key == null) {
            backup(manifest.id());
            key = backupKeys.get(manifest.id());
        }
        return new FrameCodec(manifest.codec(), manifest.compressLevel(), key);
    }

    /** Writes the manifest of a backup of an unencrypted repository. */
    public void writeManifest(BackupManifest manifest) {
        writeManifest(manifest, FrameCodec.plain(manifest.codec(), manifest.compressLevel()));
    }

    /**
     * Writes a backup's manifest, sealed with the backup's data key when the repository is encrypted; the backup
     * exists from the moment this returns.
     */
    public void writeManifest(BackupManifest manifest, FrameCodec frames) {
        Optional<MasterKey> master = masterKey();
        if (master.isPresent() != frames.encrypted()) {
            throw new IllegalArgumentException("the frames of backup " + manifest.id() + " do not match the"
                    + " repository's encryption");
        }
        try (ObjectWriter w = storage.write(layout.manifest(manifest.id()), WriteMode.CREATE_NEW)) {
            OutputStream target = new NonClosingOutputStream(w);
            if (master.isPresent()) {
                target = SealedObjectFormat.write(target, master.get(), frames.key(), manifestContext(manifest.id()));
            }
            try (OutputStream out = target) {
                manifest.write(new NonClosingOutputStream(out));
            }
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
