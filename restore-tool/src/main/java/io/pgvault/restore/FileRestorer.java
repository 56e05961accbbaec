package io.pgvault.restore;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.Workers;
import io.pgvault.core.backup.BackupProgress;
import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.manifest.Chunk;
import io.pgvault.core.manifest.EntryKind;
import io.pgvault.core.manifest.FileEntry;
import io.pgvault.core.repo.BackupChain;
import io.pgvault.core.repo.BackupObjectReader;
import io.pgvault.core.repo.RepositoryReader;
import io.pgvault.storage.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a backup's files into a data directory on parallel workers, one repository object per task read front to
 * back, checking the size and checksum of every file against the manifest ({@link ContentCheck}), then makes them
 * durable together.
 */
final class FileRestorer {

    private static final Logger log = LoggerFactory.getLogger(FileRestorer.class);

    private static final int BUFFER = 256 * 1024;
    /**
     * Each worker's copy buffer, reused from file to file: a new one per file cost a 256 KiB allocation, and the
     * JVM's zeroing of it, for each of a database's files (20,000 small tables are 80,000 files).
     */
    private static final ThreadLocal<byte[]> BUFFERS = ThreadLocal.withInitial(() -> new byte[BUFFER]);
    private static final ThreadLocal<ByteBuffer> DIRECT_BUFFERS =
            ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(BUFFER));

    /** System property bin/pgvault sets when it limits the JVM to its quick compiler. */
    static final String QUICK_COMPILER = "pgvault.quickCompiler";

    /** Bytes to check by SHA-256 above which a restore under the quick compiler warns that it will be slow. */
    private static final long SLOW_CHECK_WARNING = 256L << 20;

    /** A gap in a bundle worth skipping with a new ranged read rather than reading through it. */
    private static final long SKIP_GAP = 1024 * 1024;

    private final RepositoryReader repository;
    private final BackupManifest manifest;
    private final BackupObjectReader reader;
    private final Path pgdata;
    private final Map<Long, Path> tablespaceMap;
    private final FileOwner owner;
    private final BackupProgress progress;
    private final Set<String> unchanged;
    /** Where large files go to be flushed while the workers write others; null outside the parallel phase. */
    private volatile EarlyFlush early;
    /** Files split into ranges: their parts are written in place, their attributes set once all are there. */
    private final Map<String, FileEntry> ranged = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * @param unchanged files already in place with the backup's content (delta restore): only their mode, time and
     *                  owner are set
     */
    FileRestorer(RepositoryReader repository, BackupChain chain, Path pgdata, Map<Long, Path> tablespaceMap,
                 FileOwner owner, BackupProgress progress, Set<String> unchanged) {
        this.repository = repository;
        this.manifest = chain.newest();
        this.reader = new BackupObjectReader(repository, chain);
        this.pgdata = pgdata;
        this.tablespaceMap = tablespaceMap;
        this.owner = owner;
        this.progress = progress;
        this.unchanged = unchanged;
    }

    /** Restores every file not known to be unchanged; returns the number of files written. */
    int restore(int jobs) throws IOException {
        createDirectoriesAndLinks();
        Map<String, List<FileEntry>> byObject = new LinkedHashMap<>();
        List<FileEntry> empty = new ArrayList<>();
        List<List<FileEntry>> tasks = new ArrayList<>();
        long total = 0;
        int count = 0;
        for (FileEntry f : manifest.files()) {
            if (f.kind() != EntryKind.FILE) {
                continue;
            }
            if (unchanged.contains(f.path())) {
                setAttributes(pgdata.resolve(f.path()), f);
                continue;
            }
            total += f.size();
            count++;
            if (f.chunks().isEmpty()) {
                empty.add(f);
            } else if (f.ranged()) { // its ranges are written in place by parallel tasks
                ranged.put(f.path(), f);
                for (FileEntry part : f.parts()) {
                    if (part.needsComposing()) {
                        tasks.add(List.of(part)); // a range put together from page sets
                        continue;
                    }
                    Chunk c = part.chunks().get(0);
                    byObject.computeIfAbsent(c.backupOr(manifest.id()) + "/" + c.object(), k -> new ArrayList<>())
                            .add(part);
                }
            } else if (f.needsComposing()) {
                tasks.add(List.of(f)); // read chunk by chunk, from this backup and its ancestors
            } else {
                Chunk c = f.chunks().get(0);
                byObject.computeIfAbsent(c.backupOr(manifest.id()) + "/" + c.object(), k -> new ArrayList<>()).add(f);
            }
        }
        warnOfSlowChecks(tasks, byObject.values());
        progress.started(total, count);
        for (List<FileEntry> files : byObject.values()) {
            tasks.addAll(splitAtGaps(files));
        }
        tasks.sort(Comparator.comparingLong((List<FileEntry> t) -> t.stream().mapToLong(FileEntry::size).sum())
                .reversed());
        // files are created by one thread ahead of the workers, not by the workers: a file created while a worker
        // writes makes that worker wait for the file system's journal (about 0.5 s of worker time over 1,000 files)
        try (EarlyFlush flush = new EarlyFlush();
             CreateAhead creation = new CreateAhead(tasks, empty, f -> {
                 create(f);
                 if (f.chunks().isEmpty()) {
                     writeFile(f, InputStream.nullInputStream());
                 }
             })) {
            this.early = flush;
            runTasks(tasks, jobs, (index, files) -> {
                creation.await(index);
                restoreObject(files);
            });
            creation.finish();
            flush.finish();
        } finally {
            this.early = null;
        }
        for (FileEntry f : ranged.values()) {
            Path target = pgdata.resolve(f.path());
            if (Files.size(target) != f.size()) {
                throw new PgVaultException(ErrorCode.DAMAGED, "restored " + f.path() + " has " + Files.size(target)
                        + " bytes, backup " + manifest.id() + " says " + f.size() + "; run pgvault verify");
            }
            Files.setLastModifiedTime(target, FileTime.fromMillis(f.mtime())); // mode and owner were set at create
        }
        makeDurable(jobs);
        finishDirectories();
        return count;
    }

    /**
     * Warns when much of the backup predates per-file CRC-32Cs and bin/pgvault runs the restore with the quick
     * compiler only ({@value #QUICK_COMPILER} set): SHA-256 then runs as plain Java, several times slower.
     */
    private void warnOfSlowChecks(List<List<FileEntry>> composed, java.util.Collection<List<FileEntry>> whole) {
        if (!Boolean.getBoolean(QUICK_COMPILER)) {
            return;
        }
        long bytes = java.util.stream.Stream.concat(composed.stream(), whole.stream()).flatMap(List::stream)
                .filter(f -> f.contentCrc32c() == null).mapToLong(FileEntry::size).sum();
        if (bytes >= SLOW_CHECK_WARNING) {
            log.warn("backup {} predates per-file CRC-32Cs: {} MiB are checked by SHA-256, slow with the quick "
                    + "compiler bin/pgvault starts restore with; for a faster restore of it, run with "
                    + "PGVAULT_JAVA_OPTS=-Xmx256m", manifest.id(), bytes >> 20);
        }
    }

    /** Files of one object in offset order, cut where a long stretch of the object is not needed. */
    private static List<List<FileEntry>> splitAtGaps(List<FileEntry> files) {
        List<FileEntry> ordered = new ArrayList<>(files);
        ordered.sort(Comparator.comparingLong(f -> f.chunks().get(0).offset()));
        List<List<FileEntry>> runs = new ArrayList<>();
        List<FileEntry> run = new ArrayList<>();
        long end = -1;
        for (FileEntry f : ordered) {
            Chunk c = f.chunks().get(0);
            if (!run.isEmpty() && c.offset() - end > SKIP_GAP) {
                runs.add(run);
                run = new ArrayList<>();
            }
            run.add(f);
            end = c.offset() + c.length();
        }
        if (!run.isEmpty()) {
            runs.add(run);
        }
        return runs;
    }

    /** One unit of parallel work on a list of files: the {@code index}th of its list. */
    @FunctionalInterface
    private interface Task {
        void run(int index, List<FileEntry> files) throws IOException;
    }

    /** Runs the tasks on {@code jobs} workers, which take them in list order. */
    private void runTasks(List<List<FileEntry>> tasks, int jobs, Task work) throws IOException {
        ExecutorService pool = Workers.pool(jobs, "restore-worker");
        try {
            List<Future<Void>> futures = new ArrayList<>();
            for (int i = 0; i < tasks.size(); i++) {
                int index = i;
                List<FileEntry> task = tasks.get(i);
                futures.add(pool.submit(() -> {
                    work.run(index, task);
                    return null;
                }));
            }
            for (Future<Void> f : futures) {
                f.get();
            }
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof PgVaultException p) {
                throw p;
            }
            if (c instanceof StorageException s) {
                throw io.pgvault.core.repo.Repository.translate(s);
            }
            if (c instanceof IOException io) {
                throw io;
            }
            throw new PgVaultException(ErrorCode.INTERNAL, "restore worker failed: " + c, c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgVaultException(ErrorCode.INTERNAL, "restore interrupted");
        } finally {
            Workers.stop(pool);
        }
    }

    /** Reads one object front to back, restoring each file whose frame it holds. */
    private void restoreObject(List<FileEntry> files) throws IOException {
        if (files.size() == 1 && files.get(0).needsComposing()) {
            try (InputStream content = reader.openComposed(files.get(0))) {
                writeFile(files.get(0), content);
            }
            return;
        }
        reader.read(files, this::writeFile);
    }

    /** Creates an empty file to be written, with the backup's permissions and the data directory's owner. */
    private void create(FileEntry f) throws IOException {
        Path target = pgdata.resolve(f.path());
        try (FileChannel ignored = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            // created empty: the workers open it for writing
        }
        Files.setPosixFilePermissions(target, permissions(f.mode()));
        owner.apply(target);
    }

    /** Writes a file {@link #create}d before (or a range of one), checking its size and checksum. */
    private void writeFile(FileEntry f, InputStream content) throws IOException {
        if (ranged.containsKey(f.path())) {
            writeRange(f, content);
            return;
        }
        Path target = pgdata.resolve(f.path());
        ContentCheck check = ContentCheck.of(f);
        long size;
        try (FileChannel channel = FileChannel.open(target, StandardOpenOption.WRITE)) {
            size = copyInto(content, channel, 0, check);
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().contains("No space left")) {
                throw new PgVaultException(ErrorCode.LOCAL_IO, "no space left on device writing " + target, e);
            }
            throw e;
        }
        if (size != f.size() || !check.matches()) {
            throw new PgVaultException(ErrorCode.DAMAGED, "restored " + f.path() + " does not match backup "
                    + manifest.id() + " (" + (size != f.size() ? "size " + size + " vs " + f.size()
                    : check.algorithm() + " differs") + "); the backup is damaged, run pgvault verify");
        }
        Files.setLastModifiedTime(target, FileTime.fromMillis(f.mtime()));
        flushEarly(target, size);
    }

    /**
     * Copies {@code content} into {@code channel} from {@code position} on, through {@code check}, and returns the
     * bytes copied. Decompressed content that can fill a direct buffer ({@link ReadableByteChannel}) is written from
     * it, so restored bytes are not copied through the heap on their way to the file.
     */
    private long copyInto(InputStream content, FileChannel channel, long position, ContentCheck check)
            throws IOException {
        long size = 0;
        if (content instanceof ReadableByteChannel source) {
            ByteBuffer buffer = DIRECT_BUFFERS.get();
            boolean end = false;
            while (!end) {
                buffer.clear();
                while (buffer.hasRemaining() && !end) {
                    end = source.read(buffer) < 0;
                }
                buffer.flip();
                int n = buffer.remaining();
                check.update(buffer.duplicate());
                for (long at = position + size; buffer.hasRemaining(); ) {
                    at += channel.write(buffer, at);
                }
                size += n;
                progress.advanced(n);
            }
            return size;
        }
        byte[] buffer = BUFFERS.get();
        int n;
        while ((n = content.read(buffer)) > 0) {
            check.update(buffer, 0, n);
            ByteBuffer bb = ByteBuffer.wrap(buffer, 0, n);
            for (long at = position + size; bb.hasRemaining(); ) {
                at += channel.write(bb, at);
            }
            size += n;
            progress.advanced(n);
        }
        return size;
    }

    /** Hands a large file just written to the early flush, so the disk writes it while the workers go on. */
    private void flushEarly(Path target, long written) {
        EarlyFlush flush = early;
        if (flush != null && written >= EarlyFlush.MIN_SIZE) {
            flush.add(target);
        }
    }

    /** Writes one part of a ranged file at its place in the file, checking the range's size and checksum. */
    private void writeRange(FileEntry part, InputStream content) throws IOException {
        Path target = pgdata.resolve(part.path());
        long offset = part.offsetInFile();
        ContentCheck check = ContentCheck.of(part);
        long size;
        try (FileChannel channel = FileChannel.open(target, StandardOpenOption.WRITE)) {
            size = copyInto(content, channel, offset, check);
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().contains("No space left")) {
                throw new PgVaultException(ErrorCode.LOCAL_IO, "no space left on device writing " + target, e);
            }
            throw e;
        }
        if (size != part.size() || !check.matches()) {
            throw new PgVaultException(ErrorCode.DAMAGED, "restored range at " + offset + " of " + part.path()
                    + " does not match backup " + manifest.id() + " (" + (size != part.size() ? "size " + size
                    + " vs " + part.size() : check.algorithm() + " differs")
                    + "); the backup is damaged, run pgvault verify");
        }
        flushEarly(target, size);
    }

    /**
     * Makes every written file durable before restore reports anything: one {@code sync -f} (syncfs) per file system
     * written to, which commits them all at once instead of one fsync per file; where that is not possible, an fsync
     * of every file, on the workers.
     */
    private void makeDurable(int jobs) throws IOException {
        Set<Path> roots = new java.util.LinkedHashSet<>();
        roots.add(pgdata);
        manifest.files().stream().filter(e -> e.kind() == EntryKind.LINK && tablespaceOid(e.path()) != null)
                .forEach(e -> roots.add(pgdata.resolve(e.path())));
        try {
            List<String> command = new ArrayList<>(List.of("sync", "-f"));
            roots.forEach(r -> command.add(r.toString()));
            Process sync = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(sync.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (sync.waitFor() == 0) {
                return;
            }
            log.debug("sync -f failed ({}), fsyncing each file", output.strip());
        } catch (IOException e) {
            log.debug("sync -f cannot run ({}), fsyncing each file", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgVaultException(ErrorCode.INTERNAL, "restore interrupted");
        }
        List<List<FileEntry>> each = new ArrayList<>();
        manifest.files().stream().filter(f -> f.kind() == EntryKind.FILE && !unchanged.contains(f.path()))
                .forEach(f -> each.add(List.of(f)));
        runTasks(each, jobs, (index, f) -> {
            try (FileChannel ch = FileChannel.open(pgdata.resolve(f.get(0).path()), StandardOpenOption.WRITE)) {
                ch.force(true);
            }
        });
    }

    private void setAttributes(Path target, FileEntry f) throws IOException {
        Files.setPosixFilePermissions(target, permissions(f.mode()));
        Files.setLastModifiedTime(target, FileTime.fromMillis(f.mtime()));
        owner.apply(target);
    }

    private void createDirectoriesAndLinks() throws IOException {
        Files.createDirectories(pgdata);
        Files.setPosixFilePermissions(pgdata, permissions(0700));
        owner.apply(pgdata);
        for (FileEntry e : manifest.files()) {
            Path target = pgdata.resolve(e.path());
            if (e.kind() == EntryKind.DIRECTORY) {
                Files.createDirectories(target);
                owner.apply(target);
            } else if (e.kind() == EntryKind.LINK) {
                Path linkTarget = Path.of(e.linkTarget());
                Long oid = tablespaceOid(e.path());
                if (oid != null) {
                    linkTarget = tablespaceMap.getOrDefault(oid, linkTarget);
                    Files.createDirectories(linkTarget);
                    Files.setPosixFilePermissions(linkTarget, permissions(0700));
                    owner.apply(linkTarget);
                }
                if (!Files.isSymbolicLink(target)) {
                    Files.createSymbolicLink(target, linkTarget);
                }
                owner.apply(target);
            }
        }
    }

    private void finishDirectories() throws IOException {
        List<FileEntry> dirs = manifest.files().stream().filter(e -> e.kind() == EntryKind.DIRECTORY).toList();
        for (FileEntry d : dirs) {
            Path p = pgdata.resolve(d.path());
            Files.setPosixFilePermissions(p, permissions(d.mode()));
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
                ch.force(true);
            }
        }
        try (FileChannel ch = FileChannel.open(pgdata, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /** The oid of a tablespace link path {@code pg_tblspc/<oid>}, or null. */
    static Long tablespaceOid(String path) {
        if (path.startsWith("pg_tblspc/") && path.indexOf('/', 10) < 0) {
            try {
                return Long.parseLong(path.substring(10));
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
            PosixFilePermission.OWNER_READ};
        for (int i = 0; i < order.length; i++) {
            if ((mode & (1 << i)) != 0) {
                set.add(order[i]);
            }
        }
        return set;
    }
}
