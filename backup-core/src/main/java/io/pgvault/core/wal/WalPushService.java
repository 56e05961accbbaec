package io.pgvault.core.wal;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.crypt.DataKey;
import io.pgvault.core.crypt.MasterKey;
import io.pgvault.core.pg.WalFileName;
import io.pgvault.core.pg.WalSegmentHeader;
import io.pgvault.core.repo.ArchivedWal;
import io.pgvault.core.repo.ClusterInfo;
import io.pgvault.core.repo.Repository;
import io.pgvault.core.repo.WalObjectFormat;
import io.pgvault.core.stream.Codec;
import io.pgvault.core.stream.ContentDigest;
import io.pgvault.core.stream.FrameCodec;
import io.pgvault.core.stream.NonClosingOutputStream;
import io.pgvault.storage.ObjectExistsException;
import io.pgvault.storage.ObjectWriter;
import io.pgvault.storage.StorageException;
import io.pgvault.storage.WriteMode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Archives one WAL file (archive_command). Returns only once the object is durable in the repository. A file already
 * archived with the same content succeeds without writing; one archived with different content is a loud failure
 * and the archived object is never overwritten.
 */
public final class WalPushService {

    private static final Logger log = LoggerFactory.getLogger(WalPushService.class);
    private static final int BUFFER = 256 * 1024;

    private final Repository repository;
    private final Codec codec;
    private final int level;

    public WalPushService(Repository repository, Codec codec, int level) {
        this.repository = repository;
        this.codec = codec;
        this.level = codec.checkLevel(level);
    }

    public WalPushResult push(Path file) {
        WalFileName name;
        try {
            name = WalFileName.parse(file.getFileName().toString());
        } catch (IllegalArgumentException e) {
            throw new PgVaultException(ErrorCode.USAGE, e.getMessage() + "; wal-push takes the %p of archive_command");
        }
        try {
            ClusterInfo cluster = repository.requireClusterInfo();
            Optional<MasterKey> master = repository.masterKey();
            Source source = Source.of(file);
            byte[] digest = checkAndHash(source, name, cluster, master);
            long size = source.size();
            var existing = repository.findWal(name);
            if (existing.isPresent()) {
                return compareWithArchived(existing.get(), name, size, digest, master);
            }
            try {
                store(source, name, size, digest, master, WriteMode.CREATE_NEW);
                log.info("archived {}", name);
                return WalPushResult.ARCHIVED;
            } catch (ObjectExistsException race) {
                return compareWithArchived(repository.findWal(name).orElseThrow(() -> race), name, size, digest,
                        master);
            }
        } catch (NoSuchFileException e) {
            throw new PgVaultException(ErrorCode.LOCAL_IO, "WAL file " + file + " does not exist "
                    + "(archive_command runs in the data directory; pass %p unchanged)");
        } catch (IOException e) {
            throw new PgVaultException(ErrorCode.LOCAL_IO, "cannot read WAL file " + file + ": " + e.getMessage(), e);
        } catch (StorageException e) {
            throw Repository.translate(e);
        }
    }

    /**
     * Stores a streamed, still growing segment as {@code <segment>.partial} (the file's name), replacing an earlier
     * upload of it: a partial is never compared with what was stored, it only grows. Its whole segment is stored
     * with {@link #push(Path)} once complete, then {@link #removePartial(String)} deletes it.
     */
    public void pushPartial(Path file) {
        WalFileName name = WalFileName.parse(file.getFileName().toString());
        if (name.kind() != WalFileName.Kind.PARTIAL) {
            throw new IllegalArgumentException("not a .partial WAL file: " + file);
        }
        try {
            ClusterInfo cluster = repository.requireClusterInfo();
            Optional<MasterKey> master = repository.masterKey();
            Source source = Source.of(file);
            byte[] digest = checkAndHash(source, name, cluster, master);
            store(source, name, source.size(), digest, master, WriteMode.OVERWRITE);
            log.debug("uploaded {}", name);
        } catch (IOException e) {
            throw new PgVaultException(ErrorCode.LOCAL_IO, "cannot read WAL file " + file + ": " + e.getMessage(), e);
        } catch (StorageException e) {
            throw Repository.translate(e);
        }
    }

    /** Deletes every stored form of {@code <segment>.partial}; nothing to delete is fine. */
    public void removePartial(String segment) {
        String stem = repository.layout().walObjectStem(WalFileName.parse(segment + ".partial"));
        try (java.util.stream.Stream<io.pgvault.storage.ObjectInfo> s = repository.storage().list(stem + ".")) {
            List<String> keys = s.map(io.pgvault.storage.ObjectInfo::key)
                    .filter(k -> k.indexOf('.', stem.length() + 1) < 0).toList();
            if (!keys.isEmpty()) {
                repository.storage().delete(keys);
            }
        } catch (StorageException e) {
            throw Repository.translate(e);
        }
    }

    /** Refuses WAL of another cluster or segment size, and digests the file as its header will record it. */
    /**
     * A WAL file's bytes: read once into memory when it is no larger than a default 16 MiB segment (hashing and
     * storing then share one read), otherwise read twice, the second read checked against the first.
     */
    private record Source(Path file, byte[] content, long size) {
        static final long IN_MEMORY = 16L * 1024 * 1024;

        static Source of(Path file) throws IOException {
            long size = Files.size(file);
            if (size > IN_MEMORY) {
                return new Source(file, null, size);
            }
            byte[] content = Files.readAllBytes(file);
            return new Source(file, content, content.length);
        }

        InputStream open() throws IOException {
            return content != null ? new ByteArrayInputStream(content) : Files.newInputStream(file);
        }
    }

    private byte[] checkAndHash(Source source, WalFileName name, ClusterInfo cluster, Optional<MasterKey> master)
            throws IOException {
        ContentDigest digest = WalObjectFormat.digest(master);
        byte[] buffer = new byte[BUFFER];
        long size = 0;
        byte[] first = null;
        try (InputStream in = source.open()) {
            int n;
            while ((n = in.readNBytes(buffer, 0, buffer.length)) > 0) {
                if (first == null) {
                    first = Arrays.copyOf(buffer, Math.min(n, WalSegmentHeader.LENGTH));
                }
                digest.update(buffer, 0, n);
                size += n;
            }
        }
        if (name.kind() == WalFileName.Kind.SEGMENT || name.kind() == WalFileName.Kind.PARTIAL) {
            if (name.kind() == WalFileName.Kind.SEGMENT && size != cluster.walSegmentSize()) {
                throw new PgVaultException(ErrorCode.REFUSED, "WAL segment " + name + " is " + size
                        + " bytes but the cluster's segment size is " + cluster.walSegmentSize() + "; refusing it");
            }
            var header = WalSegmentHeader.parse(first == null ? new byte[0] : first);
            if (header.isPresent()
                    && !Long.toUnsignedString(header.get().systemIdentifier()).equals(cluster.systemIdentifier())) {
                throw new PgVaultException(ErrorCode.WRONG_CLUSTER, "WAL segment " + name + " comes from system "
                        + Long.toUnsignedString(header.get().systemIdentifier()) + " but cluster '"
                        + repository.layout().cluster() + "' belongs to " + cluster.systemIdentifier()
                        + "; is archive_command pointing at the wrong --cluster?");
            }
        }
        return digest.digest();
    }

    private WalPushResult compareWithArchived(ArchivedWal archived, WalFileName name, long size, byte[] digest,
                                              Optional<MasterKey> master) throws IOException {
        WalObjectFormat.Header header;
        try (InputStream in = repository.storage().read(archived.key(), 0,
                WalObjectFormat.headerLength(master.isPresent()))) {
            header = WalObjectFormat.read(in, archived.key());
        }
        if (header.sameContentAs(size, digest)) {
            log.info("{} was already archived with identical content", name);
            return WalPushResult.ALREADY_ARCHIVED;
        }
        throw new PgVaultException(ErrorCode.WAL_CONFLICT, "WAL file " + name + " is already archived with different"
                + " content (" + archived.key() + "); refusing to overwrite it — is another server archiving to"
                + " cluster '" + repository.layout().cluster() + "'?");
    }

    private void store(Source source, WalFileName name, long size, byte[] digest, Optional<MasterKey> master,
                       WriteMode mode) throws IOException {
        String key = repository.layout().walObject(name, codec);
        ContentDigest again = WalObjectFormat.digest(master);
        // each WAL object has its own data key, stored wrapped in its header
        DataKey dataKey = master.isPresent() ? DataKey.generate() : null;
        byte[] wrapped = master.map(m -> m.wrap(dataKey, WalObjectFormat.context(name))).orElse(null);
        FrameCodec frames = new FrameCodec(codec, level, dataKey);
        try (ObjectWriter writer = repository.storage().write(key, mode)) {
            writer.write(WalObjectFormat.encode(new WalObjectFormat.Header(codec, 0, size, digest, wrapped)));
            try (OutputStream out = frames.writer(new NonClosingOutputStream(writer), WalObjectFormat.context(name))) {
                if (source.content() != null) {
                    out.write(source.content()); // the bytes that were hashed
                } else {
                    try (InputStream in = source.open()) {
                        byte[] buffer = new byte[BUFFER];
                        int n;
                        while ((n = in.read(buffer)) > 0) {
                            again.update(buffer, 0, n);
                            out.write(buffer, 0, n);
                        }
                    }
                }
            }
            if (source.content() == null && !Arrays.equals(again.digest(), digest)) {
                throw new PgVaultException(ErrorCode.LOCAL_IO, "WAL file " + source.file() + " changed while it was"
                        + " archived; nothing was stored, PostgreSQL will retry");
            }
            writer.commit();
        }
    }
}
