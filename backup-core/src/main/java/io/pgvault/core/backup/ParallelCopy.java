package io.pgvault.core.backup;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.manifest.EntryKind;
import io.pgvault.core.manifest.FileEntry;
import io.pgvault.core.repo.BackupId;
import io.pgvault.core.repo.Repository;
import io.pgvault.core.stream.CountingOutputStream;
import io.pgvault.core.stream.FrameCodec;
import io.pgvault.storage.ObjectWriter;
import io.pgvault.storage.StorageException;
import io.pgvault.storage.WriteMode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/** Runs the copy tasks of one backup on {@code jobs} worker threads; the first failure stops the rest. */
final class ParallelCopy {

    private final Repository repository;
    private final BackupId id;
    private final BackupSettings settings;
    private final FrameCodec frames;
    private final BackupProgress progress;
    private final PageChecker pages;
    private final IncrementalBase base;

    /**
     * @param frames how frames are compressed (and encrypted)
     * @param base   the parent to compare with (incremental and differential backups), or null for a full backup
     */
    ParallelCopy(Repository repository, BackupId id, BackupSettings settings, FrameCodec frames,
                 BackupProgress progress, PageChecker pages, IncrementalBase base) {
        this.repository = repository;
        this.id = id;
        this.settings = settings;
        this.frames = frames;
        this.progress = progress;
        this.pages = pages;
        this.base = base;
    }

    List<FileEntry> run(List<SourceEntry> entries) {
        List<FileEntry> referenced = new ArrayList<>();
        List<SourceEntry> toRead = entries;
        if (base != null) {
            toRead = new ArrayList<>();
            for (SourceEntry e : entries) {
                FileEntry ref = e.kind() == EntryKind.FILE ? base.reference(e) : null;
                if (ref != null) {
                    referenced.add(ref);
                } else {
                    toRead.add(e);
                }
            }
        }
        List<FileEntry> copied = copyAll(toRead);
        copied.addAll(referenced);
        return copied;
    }

    private List<FileEntry> copyAll(List<SourceEntry> entries) {
        List<CopyTask> tasks = CopyPlanner.plan(entries, settings.bundleLimit(), settings.codec());
        long total = tasks.stream().mapToLong(CopyTask::bytes).sum();
        int fileCount = tasks.stream().mapToInt(t -> t.files().size()).sum();
        progress.started(total, fileCount);
        AtomicInteger threadNo = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(settings.jobs(), r -> {
            Thread t = new Thread(r, "backup-worker-" + threadNo.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        ThreadLocal<FileCopier> copiers = ThreadLocal.withInitial(
                () -> new FileCopier(frames, progress, pages));
        try {
            List<Future<List<FileEntry>>> futures = new ArrayList<>();
            for (CopyTask task : tasks) {
                futures.add(pool.submit(() -> copy(task, copiers.get())));
            }
            List<FileEntry> result = new ArrayList<>(fileCount);
            for (Future<List<FileEntry>> f : futures) {
                result.addAll(f.get());
            }
            return result;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof PgVaultException p) {
                throw p;
            }
            if (cause instanceof StorageException s) {
                throw Repository.translate(s);
            }
            if (cause instanceof IOException io) {
                throw new PgVaultException(ErrorCode.LOCAL_IO, "cannot read the data directory: " + io.getMessage(), io);
            }
            throw new PgVaultException(ErrorCode.INTERNAL, "backup worker failed: " + cause, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgVaultException(ErrorCode.INTERNAL, "backup interrupted");
        } finally {
            pool.shutdownNow();
        }
    }

    private List<FileEntry> copy(CopyTask task, FileCopier copier) throws IOException {
        List<FileEntry> entries = new ArrayList<>(task.files().size());
        String key = repository.layout().backupObject(id, task.objectName());
        try (ObjectWriter writer = repository.storage().write(key, WriteMode.OVERWRITE)) {
            CountingOutputStream out = new CountingOutputStream(writer);
            for (SourceEntry file : task.files()) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new IOException("cancelled after another worker failed");
                }
                FileEntry entry = base != null && IncrementalBase.pageLevel(file.path())
                        && base.parentEntry(file.path()) != null
                        ? copier.copyPages(file, out, task.objectName(), base)
                        : copier.copy(file, out, task.objectName());
                if (entry != null) {
                    entries.add(entry);
                }
            }
            if (out.count() > 0) {
                writer.commit();
            }
        }
        return entries;
    }
}
