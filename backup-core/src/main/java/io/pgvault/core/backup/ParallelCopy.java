package io.pgvault.core.backup;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.Workers;
import io.pgvault.core.manifest.Chunk;
import io.pgvault.core.manifest.EntryKind;
import io.pgvault.core.manifest.FileEntry;
import io.pgvault.core.manifest.RangeSum;
import io.pgvault.core.repo.BackupId;
import io.pgvault.core.repo.Repository;
import io.pgvault.core.stream.CountingOutputStream;
import io.pgvault.core.stream.FrameCodec;
import io.pgvault.core.stream.Crc32c;
import io.pgvault.core.stream.Sha256;
import io.pgvault.storage.ObjectWriter;
import io.pgvault.storage.StorageException;
import io.pgvault.storage.WriteMode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

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
        // a file stored as page sets is split only when each of the parent's chunks lies within one range, so that
        // no range's restore has to read through much of another's
        List<CopyTask> tasks = CopyPlanner.plan(entries, settings.bundleLimit(), settings.rangeSize(), settings.codec(),
                e -> !storesPages(e) || base.rangesAligned(e.path(), settings.rangeSize()));
        long total = tasks.stream().mapToLong(CopyTask::bytes).sum();
        int fileCount = (int) entries.stream().filter(e -> e.kind() == EntryKind.FILE).count();
        progress.started(total, fileCount);
        ExecutorService pool = Workers.pool(settings.jobs(), "backup-worker");
        ThreadLocal<FileCopier> copiers = ThreadLocal.withInitial(
                () -> new FileCopier(frames, progress, pages));
        try {
            List<Future<List<FileEntry>>> futures = new ArrayList<>();
            for (CopyTask task : tasks) {
                futures.add(pool.submit(() -> copy(task, copiers.get())));
            }
            List<FileEntry> result = new ArrayList<>(fileCount);
            Map<String, List<FileEntry>> ranges = new LinkedHashMap<>();
            for (int i = 0; i < futures.size(); i++) {
                List<FileEntry> done = futures.get(i).get();
                if (tasks.get(i).isRange()) {
                    done.forEach(r -> ranges.computeIfAbsent(r.path(), k -> new ArrayList<>()).add(r));
                } else {
                    result.addAll(done);
                }
            }
            for (List<FileEntry> r : ranges.values()) {
                result.add(r.get(0).rangeSums().isEmpty() ? joinRanges(r)
                        : joinPageRanges(r, base.inherited(base.parentEntry(r.get(0).path()).chunks())));
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
            Workers.stop(pool);
        }
    }

    /**
     * The entry of a split file from its copied ranges: the chunks in file order, as far as they are contiguous. A
     * file that shrank while it was read ends where the first short range ends; WAL replay restores the rest, as it
     * does for any file that changes during a backup.
     */
    static FileEntry joinRanges(List<FileEntry> ranges) {
        List<Chunk> chunks = new ArrayList<>();
        ranges.stream().map(r -> r.chunks().get(0)).sorted(Comparator.comparingLong(Chunk::sourceOffset))
                .forEach(chunks::add);
        List<Chunk> kept = new ArrayList<>();
        long size = 0;
        for (Chunk c : chunks) {
            if (c.sourceOffset() != size) {
                break;
            }
            kept.add(c);
            size += c.sourceLength();
        }
        FileEntry first = ranges.get(0);
        if (kept.isEmpty()) { // emptied while the backup ran
            return new FileEntry(first.path(), first.kind(), 0, first.mode(), first.mtime(),
                    Sha256.hex(Sha256.newDigest().digest()), null, List.of(), List.of(), Crc32c.hex(0));
        }
        return new FileEntry(first.path(), first.kind(), size, first.mode(), first.mtime(), null, null, kept);
    }

    /**
     * The entry of a file stored as page sets in ranges: the ranges' checksums in file order, as far as they are
     * contiguous, their page sets, then the parent's chunks that still hold some block.
     *
     * @param inherited the parent's chunks of the file, as this backup lists them
     */
    static FileEntry joinPageRanges(List<FileEntry> ranges, List<Chunk> inherited) {
        List<FileEntry> ordered = new ArrayList<>(ranges);
        ordered.sort(Comparator.comparingLong(r -> r.rangeSums().get(0).offset()));
        List<RangeSum> sums = new ArrayList<>();
        List<Chunk> own = new ArrayList<>();
        long size = 0;
        for (FileEntry r : ordered) {
            RangeSum sum = r.rangeSums().get(0);
            if (sum.offset() != size) {
                break;
            }
            sums.add(sum);
            own.addAll(r.chunks());
            size += sum.length();
        }
        FileEntry first = ordered.get(0);
        if (size == 0) { // emptied while the backup ran
            return new FileEntry(first.path(), first.kind(), 0, first.mode(), first.mtime(),
                    Sha256.hex(Sha256.newDigest().digest()), null, List.of(), List.of(), Crc32c.hex(0));
        }
        return new FileEntry(first.path(), first.kind(), size, first.mode(), first.mtime(), null, null,
                FileCopier.withInherited(own, size, inherited), sums);
    }

    /** True when a changed file is stored as the pages that changed since the parent. */
    private boolean storesPages(SourceEntry file) {
        return base != null && base.pageLevel(file.path()) && base.parentEntry(file.path()) != null;
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
                FileEntry entry;
                if (task.isRange()) {
                    entry = storesPages(file)
                            ? copier.copyPageRange(file, task.rangeOffset(), task.rangeLength(), out,
                                    task.objectName(), base)
                            : copier.copyRange(file, task.rangeOffset(), task.rangeLength(), out, task.objectName());
                } else {
                    entry = storesPages(file) ? copier.copyPages(file, out, task.objectName(), base)
                            : copier.copy(file, out, task.objectName());
                }
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
