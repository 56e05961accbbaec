package io.pgvault.restore;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.Workers;
import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.manifest.EntryKind;
import io.pgvault.core.manifest.FileEntry;
import io.pgvault.core.stream.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * The first half of a delta restore: brings an existing data directory in line with a backup's manifest before the
 * files that differ are restored. A file whose size and SHA-256 match the manifest stays as it is; a file that
 * differs is removed (to be rewritten); anything the backup does not have is removed — including the contents of
 * pg_wal, as in a fresh restore. Tablespace links are followed into their directories, where only the server
 * version's own subdirectory is touched.
 */
final class DeltaScan {

    /**
     * What the scan found.
     *
     * @param unchanged files whose content already matches the backup
     * @param removed   files (and links) removed because the backup does not have them
     */
    record Result(Set<String> unchanged, int removed) {
    }

    private static final int BUFFER = 256 * 1024;

    private final Map<String, FileEntry> entries = new HashMap<>();
    private final Path pgdata;
    private final Map<Long, Path> tablespaceMap;
    private final List<FileEntry> toCompare = new ArrayList<>();
    private int removed;

    DeltaScan(BackupManifest manifest, Path pgdata, Map<Long, Path> tablespaceMap) {
        manifest.files().forEach(f -> entries.put(f.path(), f));
        this.pgdata = pgdata;
        this.tablespaceMap = tablespaceMap;
    }

    Result run(int jobs) throws IOException {
        if (!Files.isDirectory(pgdata)) {
            return new Result(Set.of(), 0);
        }
        visit(pgdata, "", false);
        for (FileEntry link : entries.values()) {
            Path path = pgdata.resolve(link.path());
            if (link.kind() == EntryKind.LINK && !Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
                relink(path, linkTarget(link));
            }
        }
        Set<String> unchanged = compare(jobs);
        return new Result(unchanged, removed);
    }

    private void visit(Path dir, String prefix, boolean tablespaceRoot) throws IOException {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            ds.forEach(children::add);
        }
        for (Path child : children) {
            String rel = prefix + child.getFileName();
            FileEntry entry = entries.get(rel);
            BasicFileAttributes attrs = Files.readAttributes(child, BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            if (entry == null) {
                if (!tablespaceRoot && !rel.equals(RestoreMarker.NAME)) {
                    removed += deleteTree(child);
                }
                continue;
            }
            switch (entry.kind()) {
                case DIRECTORY -> {
                    if (attrs.isDirectory() || (rel.equals("pg_wal") && attrs.isSymbolicLink()
                            && Files.isDirectory(child))) {
                        visit(child, rel + "/", false);
                    } else {
                        deleteTree(child);
                    }
                }
                case LINK -> {
                    Path wanted = linkTarget(entry);
                    if (attrs.isSymbolicLink() && Files.readSymbolicLink(child).equals(wanted)) {
                        if (Files.isDirectory(child)) {
                            visit(child, rel + "/", FileRestorer.tablespaceOid(rel) != null);
                        }
                    } else {
                        deleteTree(child);
                        relink(child, wanted);
                    }
                }
                case FILE -> {
                    if (attrs.isRegularFile() && attrs.size() == entry.size()) {
                        toCompare.add(entry);
                    } else {
                        deleteTree(child);
                    }
                }
                default -> throw new IllegalStateException("unknown entry kind " + entry.kind());
            }
        }
    }

    /**
     * Points a link where the backup wants it and scans what is already there, so stale files in a tablespace
     * directory are compared like any other instead of blocking the restore.
     */
    private void relink(Path link, Path wanted) throws IOException {
        Files.createDirectories(link.getParent());
        Files.createDirectories(wanted);
        Files.createSymbolicLink(link, wanted);
        String rel = pgdata.relativize(link).toString();
        visit(link, rel + "/", FileRestorer.tablespaceOid(rel) != null);
    }

    private Path linkTarget(FileEntry link) {
        Long oid = FileRestorer.tablespaceOid(link.path());
        Path target = Path.of(link.linkTarget());
        return oid == null ? target : tablespaceMap.getOrDefault(oid, target);
    }

    /** Checksums the files whose size matches, in parallel; removes those that differ. */
    private Set<String> compare(int jobs) throws IOException {
        ExecutorService pool = Workers.pool(jobs, "delta-checksum");
        Set<String> unchanged = new HashSet<>();
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (FileEntry f : toCompare) {
                results.add(pool.submit(() -> matches(f, pgdata.resolve(f.path()))));
            }
            for (int i = 0; i < toCompare.size(); i++) {
                FileEntry f = toCompare.get(i);
                if (results.get(i).get()) {
                    unchanged.add(f.path());
                } else {
                    Files.delete(pgdata.resolve(f.path()));
                }
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new PgVaultException(ErrorCode.INTERNAL, "delta checksum failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgVaultException(ErrorCode.INTERNAL, "delta restore interrupted");
        } finally {
            Workers.stop(pool);
        }
        return unchanged;
    }

    /** True when the file on disk has the entry's content: its SHA-256, or each range's for a ranged file. */
    private static boolean matches(FileEntry f, Path file) throws IOException {
        byte[] buffer = new byte[BUFFER];
        try (InputStream in = Files.newInputStream(file)) {
            for (FileEntry part : f.parts()) { // in file order; the size already matched
                MessageDigest digest = Sha256.newDigest();
                long left = part.size();
                int n;
                while (left > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, left))) > 0) {
                    digest.update(buffer, 0, n);
                    left -= n;
                }
                if (left > 0 || !Sha256.hex(digest.digest()).equals(part.sha256())) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Removes a file, link (not what it points to) or directory tree; returns the files and links removed. */
    static int deleteTree(Path path) throws IOException {
        if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            Files.delete(path);
            return 1;
        }
        int count = 0;
        List<Path> all;
        try (Stream<Path> s = Files.walk(path)) {
            all = s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList();
        }
        for (Path p : all) {
            if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                count++;
            }
            Files.delete(p);
        }
        return count;
    }

    /** Files of the manifest (kind FILE). */
    static long fileCount(BackupManifest manifest) {
        return manifest.files().stream().filter(f -> f.kind() == EntryKind.FILE).count();
    }
}
