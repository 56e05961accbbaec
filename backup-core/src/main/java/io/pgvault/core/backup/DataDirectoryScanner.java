package io.pgvault.core.backup;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.manifest.EntryKind;
import io.pgvault.core.pg.Tablespace;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Lists what a base backup copies: the data directory minus {@link DataDirectoryRules}, plus each tablespace's
 * directory for this server version, under {@code pg_tblspc/<oid>/}. Holds one small record per entry.
 */
public final class DataDirectoryScanner {

    private final Path pgdata;
    private final int majorVersion;
    private final List<Tablespace> tablespaces;

    public DataDirectoryScanner(Path pgdata, int majorVersion, List<Tablespace> tablespaces) {
        this.pgdata = pgdata;
        this.majorVersion = majorVersion;
        this.tablespaces = tablespaces;
    }

    /** Scans; entries come parents first. */
    public List<SourceEntry> scan() {
        List<SourceEntry> out = new ArrayList<>();
        try {
            walk(pgdata, "", out, true);
            for (Tablespace ts : tablespaces) {
                Path location = Path.of(ts.location());
                String linkPath = "pg_tblspc/" + ts.oid();
                out.add(new SourceEntry(linkPath, pgdata.resolve(linkPath), EntryKind.LINK, 0, 0777,
                        0, ts.location()));
                Pattern versionDir = Pattern.compile("PG_" + majorVersion + "_\\d+");
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(location)) {
                    for (Path p : ds) {
                        if (versionDir.matcher(p.getFileName().toString()).matches()) {
                            String rel = linkPath + "/" + p.getFileName();
                            addEntry(p, rel, out);
                            walk(p, rel + "/", out, false);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new PgVaultException(ErrorCode.LOCAL_IO, "cannot read the data directory " + pgdata + ": "
                    + e.getMessage() + " (run pgvault as the database's OS user)", e);
        }
        return out;
    }

    private void walk(Path dir, String prefix, List<SourceEntry> out, boolean top) throws IOException {
        TreeMap<String, Path> children = new TreeMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                children.put(p.getFileName().toString(), p);
            }
        } catch (NoSuchFileException gone) {
            return;
        }
        Set<String> unlogged = new HashSet<>();
        for (String name : children.keySet()) {
            String owner = DataDirectoryRules.initForkOwner(name);
            if (owner != null) {
                unlogged.add(owner);
            }
        }
        for (var child : children.entrySet()) {
            String name = child.getKey();
            Path path = child.getValue();
            String rel = prefix + name;
            if (DataDirectoryRules.excludedAnywhere(name)
                    || top && DataDirectoryRules.TOP_FILES_EXCLUDED.contains(name)
                    || DataDirectoryRules.isTemporaryRelation(name)) {
                continue;
            }
            String relation = DataDirectoryRules.relationOf(name);
            if (relation != null && unlogged.contains(relation) && !DataDirectoryRules.isInitFork(name)) {
                continue;
            }
            if (top && name.equals("pg_tblspc")) {
                addEntry(path, rel, out);
                continue; // tablespace links are added with their contents by scan()
            }
            if (top && DataDirectoryRules.CONTENTS_EXCLUDED.contains(name)) {
                // pg_wal may be a link (initdb -X); it is restored as a plain directory
                addDirectory(path, rel, out);
                if (name.equals("pg_wal")) {
                    addDirectory(path.resolve("archive_status"), rel + "/archive_status", out);
                }
                continue;
            }
            SourceEntry entry = addEntry(path, rel, out);
            if (entry != null && entry.kind() == EntryKind.DIRECTORY) {
                walk(path, rel + "/", out, false);
            }
        }
    }

    private void addDirectory(Path path, String rel, List<SourceEntry> out) throws IOException {
        PosixFileAttributes a;
        try {
            a = Files.readAttributes(path, PosixFileAttributes.class);
        } catch (NoSuchFileException e) {
            out.add(new SourceEntry(rel, path, EntryKind.DIRECTORY, 0, 0700, 0, null));
            return;
        }
        out.add(new SourceEntry(rel, path, EntryKind.DIRECTORY, 0, mode(a.permissions()),
                a.lastModifiedTime().toMillis(), null));
    }

    private SourceEntry addEntry(Path path, String rel, List<SourceEntry> out) throws IOException {
        PosixFileAttributes a;
        try {
            a = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException gone) {
            return null;
        }
        SourceEntry e;
        if (a.isSymbolicLink()) {
            e = new SourceEntry(rel, path, EntryKind.LINK, 0, 0777, a.lastModifiedTime().toMillis(),
                    Files.readSymbolicLink(path).toString());
        } else if (a.isDirectory()) {
            e = new SourceEntry(rel, path, EntryKind.DIRECTORY, 0, mode(a.permissions()),
                    a.lastModifiedTime().toMillis(), null);
        } else if (a.isRegularFile()) {
            e = new SourceEntry(rel, path, EntryKind.FILE, a.size(), mode(a.permissions()),
                    a.lastModifiedTime().toMillis(), null);
        } else {
            return null; // sockets, fifos: nothing to back up
        }
        out.add(e);
        return e;
    }

    static int mode(Set<PosixFilePermission> perms) {
        int mode = 0;
        for (PosixFilePermission p : perms) {
            mode |= switch (p) {
                case OWNER_READ -> 0400;
                case OWNER_WRITE -> 0200;
                case OWNER_EXECUTE -> 0100;
                case GROUP_READ -> 040;
                case GROUP_WRITE -> 020;
                case GROUP_EXECUTE -> 010;
                case OTHERS_READ -> 04;
                case OTHERS_WRITE -> 02;
                case OTHERS_EXECUTE -> 01;
            };
        }
        return mode;
    }
}
