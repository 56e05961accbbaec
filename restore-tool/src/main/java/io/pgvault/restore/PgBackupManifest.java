package io.pgvault.restore;

import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.manifest.EntryKind;
import io.pgvault.core.manifest.FileEntry;
import io.pgvault.core.stream.Crc32c;
import io.pgvault.core.stream.Sha256;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A restored backup's {@code backup_manifest} in PostgreSQL's own format (version 1, as PostgreSQL 13-16 write it),
 * so that {@code pg_verifybackup} checks the restored data directory independently of pgvault. Built from pgvault's
 * manifest alone — its SHA-256 per file — so no data is read again.
 *
 * <p>The text follows backup_manifest.c byte for byte: one file per line, {@code "Last-Modified"} in GMT, the WAL
 * range of the backup, and a last line with the SHA-256 of everything before it (what parse_manifest.c checks).
 * Files pg_verifybackup ignores, and restore rewrites, are left out: {@code postgresql.auto.conf},
 * {@code recovery.signal}, {@code standby.signal}, {@code backup_manifest} and {@code pg_wal/}. The files restore
 * writes itself ({@code backup_label}, {@code tablespace_map}) are listed with their written content.
 */
final class PgBackupManifest {

    /** The name PostgreSQL gives the manifest in a data directory. */
    static final String FILE_NAME = "backup_manifest";

    /** Top-level names pg_verifybackup skips (its built-in ignore list). */
    private static final Set<String> IGNORED = Set.of(FILE_NAME, "pg_wal", "postgresql.auto.conf",
            "recovery.signal", "standby.signal");

    private static final DateTimeFormatter LAST_MODIFIED = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'GMT'")
            .withZone(ZoneOffset.UTC);

    /**
     * A file restore wrote itself rather than from the backup's data.
     *
     * @param path    relative path in the data directory
     * @param content what was written
     * @param mtime   its modification time
     */
    record WrittenFile(String path, byte[] content, Instant mtime) {
    }

    private PgBackupManifest() {
    }

    /** The manifest text for a restored backup plus the files restore wrote itself. */
    static String render(BackupManifest backup, List<WrittenFile> written) {
        Map<String, String> lines = new LinkedHashMap<>();
        for (FileEntry f : backup.files()) {
            if (f.kind() == EntryKind.FILE && !ignored(f.path())) {
                lines.put(f.path(), f.ranged()
                        ? fileLine(f.path(), f.size(), Instant.ofEpochMilli(f.mtime()), "CRC32C", pgCrc32c(f))
                        : fileLine(f.path(), f.size(), Instant.ofEpochMilli(f.mtime()), "SHA256", f.sha256()));
            }
        }
        for (WrittenFile w : written) {
            lines.put(w.path(), fileLine(w.path(), w.content().length, w.mtime(), "SHA256", Sha256.of(w.content())));
        }
        StringBuilder text = new StringBuilder("{ \"PostgreSQL-Backup-Manifest-Version\": 1,\n\"Files\": [");
        boolean first = true;
        for (String line : lines.values()) {
            text.append(first ? "\n" : ",\n").append(line);
            first = false;
        }
        text.append("\n],\n\"WAL-Ranges\": [\n");
        text.append("{ \"Timeline\": ").append(backup.timeline().value()).append(", \"Start-LSN\": \"")
                .append(backup.startLsn()).append("\", \"End-LSN\": \"").append(backup.stopLsn()).append("\" }");
        text.append("\n],\n");
        String checksum = Sha256.of(text.toString().getBytes(StandardCharsets.UTF_8));
        return text.append("\"Manifest-Checksum\": \"").append(checksum).append("\"}\n").toString();
    }

    private static boolean ignored(String path) {
        int slash = path.indexOf('/');
        return IGNORED.contains(slash < 0 ? path : path.substring(0, slash));
    }

    private static String fileLine(String path, long size, Instant mtime, String algorithm, String checksum) {
        StringBuilder line = new StringBuilder("{ \"Path\": ");
        escapeJson(line, path);
        return line.append(", \"Size\": ").append(size).append(", \"Last-Modified\": \"")
                .append(LAST_MODIFIED.format(mtime)).append("\", \"Checksum-Algorithm\": \"").append(algorithm)
                .append("\", \"Checksum\": \"").append(checksum).append("\" }").toString();
    }

    /**
     * A ranged file has no whole-file SHA-256 (no one worker read all of it), so its line carries CRC-32C, which
     * PostgreSQL's manifests also use: the ranges' CRCs combined. PostgreSQL writes the CRC's four bytes as they lie
     * in memory, least significant first.
     */
    static String pgCrc32c(FileEntry f) {
        int crc = 0;
        boolean first = true;
        for (var r : f.sums()) {
            int part = Crc32c.parse(r.crc32c());
            crc = first ? part : Crc32c.combine(crc, part, r.length());
            first = false;
        }
        return Crc32c.hex(Integer.reverseBytes(crc));
    }

    /** PostgreSQL's escape_json: short escapes, other control characters as unicode escapes, the rest as is. */
    static void escapeJson(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < ' ') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
