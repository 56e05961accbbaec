package io.pgvault.core.verify;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.Workers;
import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.manifest.FileEntry;
import io.pgvault.core.pg.WalFileName;
import io.pgvault.core.pg.WalSegmentName;
import io.pgvault.core.pg.WalSegmentSize;
import io.pgvault.core.repo.ArchivedWal;
import io.pgvault.core.repo.BackupChain;
import io.pgvault.core.repo.BackupId;
import io.pgvault.core.repo.BackupObjectReader;
import io.pgvault.core.repo.ClusterInfo;
import io.pgvault.core.repo.RepositoryReader;
import io.pgvault.core.repo.WalObjectFormat;
import io.pgvault.core.stream.ContentDigest;
import io.pgvault.core.stream.Sha256;
import io.pgvault.storage.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Re-reads a repository (or one backup) and checks it can be restored: every file's size and SHA-256, every
 * archived WAL file's checksum, and that each backup's WAL range is in the archive without a gap. Reports every
 * missing or damaged object by name rather than stopping at the first.
 */
public final class VerifyService {

    private static final int BUFFER = 256 * 1024;

    private final RepositoryReader repository;
    private final AtomicLong files = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong walFiles = new AtomicLong();

    public VerifyService(RepositoryReader repository) {
        this.repository = repository;
    }

    /**
     * Verifies.
     *
     * @param only the backup to verify, or null for the whole repository
     * @param jobs parallel readers
     */
    public VerifyReport verify(BackupId only, int jobs) {
        ClusterInfo cluster = repository.requireClusterInfo();
        List<Problem> problems = new ArrayList<>();
        List<BackupId> ids = only != null ? List.of(only) : repository.backupIds();
        List<ArchivedWal> wal = repository.walFiles();
        Map<String, ArchivedWal> walByName = wal.stream().collect(Collectors.toMap(w -> w.name().name(),
                Function.identity(), (a, b) -> a));
        List<ArchivedWal> walToCheck = new ArrayList<>();
        WalSegmentSize segmentSize = new WalSegmentSize(cluster.walSegmentSize());
        int verified = 0;
        // one backup (and its chain) at a time: memory holds one chain's manifests, not every backup's
        for (BackupId id : ids) {
            BackupManifest m;
            try {
                m = repository.backup(id);
            } catch (PgVaultException e) {
                if (e.code() == ErrorCode.NOT_FOUND && only != null) {
                    throw e;
                }
                problems.add(new Problem(repository.layout().manifest(id), e.getMessage()));
                continue;
            }
            verified++;
            for (WalSegmentName s = WalSegmentName.parse(m.startWal(), segmentSize);
                 s.compareTo(WalSegmentName.parse(m.stopWal(), segmentSize)) <= 0; s = s.next()) {
                ArchivedWal archived = walByName.get(s.fileName());
                if (archived == null) {
                    problems.add(new Problem("backup " + m.id(), "WAL segment " + s + " it needs is missing"));
                } else if (only != null) {
                    walToCheck.add(archived);
                }
            }
            BackupChain chain;
            try {
                chain = BackupChain.of(repository, m);
            } catch (PgVaultException e) {
                problems.add(new Problem("backup " + m.id(), e.getMessage()));
                continue;
            }
            BackupObjectReader reader = new BackupObjectReader(repository, chain);
            List<Callable<List<Problem>>> tasks = new ArrayList<>();
            for (List<FileEntry> group : reader.groupsByObject()) {
                tasks.add(() -> checkGroup(reader, group));
            }
            for (FileEntry f : reader.composedFiles()) {
                tasks.add(() -> checkComposed(m, reader, f));
            }
            problems.addAll(checkEmptyFiles(m));
            problems.addAll(runAll(tasks, jobs));
        }
        if (only == null) {
            walToCheck.addAll(wal);
        }
        List<Callable<List<Problem>>> walTasks = new ArrayList<>();
        for (ArchivedWal w : walToCheck) {
            walTasks.add(() -> checkWal(w));
        }
        problems.addAll(runAll(walTasks, jobs));
        return new VerifyReport(verified, files.get(), bytes.get(), walFiles.get(), List.copyOf(problems));
    }

    private List<Problem> checkGroup(BackupObjectReader reader, List<FileEntry> group) {
        List<Problem> found = new ArrayList<>();
        String object = reader.objectKey(group.get(0).chunks().get(0));
        try {
            reader.read(group, (file, content) -> checkContent(file, content, object, found));
        } catch (PgVaultException e) {
            found.add(new Problem(object, e.getMessage()));
        } catch (StorageException e) {
            found.add(new Problem(object, e.getMessage()));
        } catch (IOException e) {
            found.add(new Problem(object, "cannot be read or decompressed (" + e.getMessage() + ")"));
        }
        return found;
    }

    /** A file put together from page sets: every chunk it needs is read, the result checked as a whole. */
    private List<Problem> checkComposed(BackupManifest m, BackupObjectReader reader, FileEntry file) {
        List<Problem> found = new ArrayList<>();
        String where = "backup " + m.id();
        try (InputStream content = reader.openComposed(file)) {
            checkContent(file, content, where, found);
        } catch (PgVaultException | StorageException e) {
            found.add(new Problem(where, file.path() + ": " + e.getMessage()));
        } catch (IOException e) {
            found.add(new Problem(where, file.path() + " cannot be put together from its chunks (" + e.getMessage()
                    + ")"));
        }
        return found;
    }

    private void checkContent(FileEntry file, InputStream content, String object, List<Problem> found)
            throws IOException {
        MessageDigest digest = Sha256.newDigest();
        long size = drain(content, digest::update);
        files.incrementAndGet();
        bytes.addAndGet(size);
        if (size != file.size()) {
            found.add(new Problem(object, file.path() + " has " + size + " bytes, the manifest says "
                    + file.size()));
        } else if (!Sha256.hex(digest.digest()).equals(file.sha256())) {
            found.add(new Problem(object, file.path() + " fails its SHA-256 checksum"));
        }
    }

    private List<Problem> checkEmptyFiles(BackupManifest m) {
        List<Problem> found = new ArrayList<>();
        for (FileEntry f : m.files()) {
            if (f.chunks().isEmpty() && f.size() != 0) {
                found.add(new Problem("backup " + m.id(), f.path() + " has " + f.size() + " bytes but no stored data"));
            }
        }
        return found;
    }

    private List<Problem> checkWal(ArchivedWal w) {
        try (InputStream raw = repository.storage().read(w.key())) {
            var master = repository.masterKey();
            WalObjectFormat.Body body = WalObjectFormat.open(raw, w.key(), w.name(), master);
            WalObjectFormat.Header header = body.header();
            ContentDigest digest = WalObjectFormat.digest(master);
            long size;
            try (InputStream in = body.content()) {
                size = drain(in, digest::update);
            }
            walFiles.incrementAndGet();
            if (!header.sameContentAs(size, digest.digest())) {
                return List.of(new Problem(w.key(), "fails its checksum (" + size + " bytes read, header says "
                        + header.originalSize() + ")"));
            }
            if (w.name().kind() == WalFileName.Kind.SEGMENT && size != repository.requireClusterInfo().walSegmentSize()) {
                return List.of(new Problem(w.key(), "is " + size + " bytes, not a whole segment"));
            }
            return List.of();
        } catch (PgVaultException | StorageException e) {
            return List.of(new Problem(w.key(), e.getMessage()));
        } catch (IOException e) {
            return List.of(new Problem(w.key(), "cannot be read or decompressed (" + e.getMessage() + ")"));
        }
    }

    /** Receives the bytes read, for a {@link MessageDigest} or a {@link ContentDigest}. */
    private interface Sink {
        void update(byte[] b, int off, int len);
    }

    private static long drain(InputStream in, Sink digest) throws IOException {
        byte[] buffer = new byte[BUFFER];
        long size = 0;
        int n;
        while ((n = in.read(buffer)) > 0) {
            digest.update(buffer, 0, n);
            size += n;
        }
        return size;
    }

    private static List<Problem> runAll(List<Callable<List<Problem>>> tasks, int jobs) {
        ExecutorService pool = Workers.pool(jobs, "verify-worker");
        try {
            List<Future<List<Problem>>> futures = new ArrayList<>();
            tasks.forEach(t -> futures.add(pool.submit(t)));
            List<Problem> all = new ArrayList<>();
            for (Future<List<Problem>> f : futures) {
                all.addAll(f.get());
            }
            return all;
        } catch (ExecutionException e) {
            throw new PgVaultException(ErrorCode.INTERNAL, "verify worker failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgVaultException(ErrorCode.INTERNAL, "verify interrupted");
        } finally {
            Workers.stop(pool);
        }
    }
}
