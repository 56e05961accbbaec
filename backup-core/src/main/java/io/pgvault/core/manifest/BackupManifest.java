package io.pgvault.core.manifest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.pg.Lsn;
import io.pgvault.core.pg.TimelineId;
import io.pgvault.core.repo.BackupId;
import io.pgvault.core.repo.BackupType;
import io.pgvault.core.repo.Json;
import io.pgvault.core.stream.Codec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Everything needed to restore one backup, written last: a backup without its manifest does not exist. Planned for
 * encryption ({@code encryption}), incremental backups ({@code parent}, several chunks per file) and bundling of
 * small files (chunks at offsets inside shared objects) from the start.
 *
 * @param format           manifest format version
 * @param id               backup id
 * @param type             full, differential or incremental
 * @param parent           the backup this one depends on (null for full)
 * @param cluster          cluster name in the repository
 * @param systemIdentifier PostgreSQL system identifier
 * @param pgVersionNum     server_version_num
 * @param walSegmentSize   WAL segment size in bytes
 * @param timeline         timeline the backup started on
 * @param startLsn         backup start (checkpoint redo) location
 * @param stopLsn          end of backup; recovery must reach it to be consistent
 * @param startWal         first WAL segment needed
 * @param stopWal          last WAL segment needed
 * @param startTime        when the backup started
 * @param stopTime         when PostgreSQL ended backup mode; earliest target time this backup serves
 * @param backupLabel      backup_label content from pg_backup_stop
 * @param tablespaceMap    tablespace_map content (null without tablespaces)
 * @param codec            compression of data objects
 * @param compressLevel    compression level used
 * @param encryption       encryption parameters (null when not encrypted)
 * @param tablespaces      tablespaces at backup time
 * @param files            every file, directory and link
 * @param dataSize         original bytes
 * @param repoSize         stored bytes
 * @param pgvaultVersion   version of pgvault that wrote it
 * @param pageErrors       pages whose PostgreSQL checksum failed while they were read (empty when none)
 * @param dataChecksums    the server's data_checksums when the backup started (null in manifests written before
 *                         pgvault recorded it: unknown)
 * @param walLogHints      the server's wal_log_hints when the backup started (null: unknown)
 */
public record BackupManifest(int format, BackupId id, BackupType type, BackupId parent, String cluster,
                             String systemIdentifier, int pgVersionNum, long walSegmentSize, TimelineId timeline,
                             Lsn startLsn, Lsn stopLsn, String startWal, String stopWal, Instant startTime,
                             Instant stopTime, String backupLabel, String tablespaceMap, Codec codec,
                             int compressLevel, String encryption, List<TablespaceEntry> tablespaces,
                             List<FileEntry> files, long dataSize, long repoSize, String pgvaultVersion,
                             List<PageError> pageErrors, Boolean dataChecksums, Boolean walLogHints) {

    /** The format of manifests every pgvault reads. */
    public static final int FORMAT = 1;
    /**
     * The format of manifests that list range checksums ({@link FileEntry#rangeSums()}): a pgvault that reads only
     * format 1 would take such a file for one put together whole, so it must refuse the manifest instead.
     */
    public static final int FORMAT_RANGE_SUMS = 2;

    /** The format a manifest listing these files is written in: the oldest that describes them. */
    public static int formatFor(List<FileEntry> files) {
        return files.stream().anyMatch(f -> !f.rangeSums().isEmpty()) ? FORMAT_RANGE_SUMS : FORMAT;
    }

    public BackupManifest {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(timeline, "timeline");
        Objects.requireNonNull(startLsn, "startLsn");
        Objects.requireNonNull(stopLsn, "stopLsn");
        Objects.requireNonNull(stopTime, "stopTime");
        tablespaces = tablespaces == null ? List.of() : List.copyOf(tablespaces);
        files = files == null ? List.of() : List.copyOf(files);
        pageErrors = pageErrors == null ? List.of() : List.copyOf(pageErrors);
    }

    /** A manifest that does not record the server's hint-bit logging (unknown: no page-level child). */
    public BackupManifest(int format, BackupId id, BackupType type, BackupId parent, String cluster,
                          String systemIdentifier, int pgVersionNum, long walSegmentSize, TimelineId timeline,
                          Lsn startLsn, Lsn stopLsn, String startWal, String stopWal, Instant startTime,
                          Instant stopTime, String backupLabel, String tablespaceMap, Codec codec,
                          int compressLevel, String encryption, List<TablespaceEntry> tablespaces,
                          List<FileEntry> files, long dataSize, long repoSize, String pgvaultVersion,
                          List<PageError> pageErrors) {
        this(format, id, type, parent, cluster, systemIdentifier, pgVersionNum, walSegmentSize, timeline, startLsn,
                stopLsn, startWal, stopWal, startTime, stopTime, backupLabel, tablespaceMap, codec, compressLevel,
                encryption, tablespaces, files, dataSize, repoSize, pgvaultVersion, pageErrors, null, null);
    }

    /**
     * True when the server WAL-logged hint-bit changes when this backup started (data_checksums or wal_log_hints
     * on). Only then does every later change to a page move its LSN; without that, a page whose hint bits were set
     * after the backup keeps its old LSN while its bytes differ.
     */
    public boolean hintBitsLogged() {
        return Boolean.TRUE.equals(dataChecksums) || Boolean.TRUE.equals(walLogHints);
    }

    /** A manifest without page errors. */
    public BackupManifest(int format, BackupId id, BackupType type, BackupId parent, String cluster,
                          String systemIdentifier, int pgVersionNum, long walSegmentSize, TimelineId timeline,
                          Lsn startLsn, Lsn stopLsn, String startWal, String stopWal, Instant startTime,
                          Instant stopTime, String backupLabel, String tablespaceMap, Codec codec,
                          int compressLevel, String encryption, List<TablespaceEntry> tablespaces,
                          List<FileEntry> files, long dataSize, long repoSize, String pgvaultVersion) {
        this(format, id, type, parent, cluster, systemIdentifier, pgVersionNum, walSegmentSize, timeline, startLsn,
                stopLsn, startWal, stopWal, startTime, stopTime, backupLabel, tablespaceMap, codec, compressLevel,
                encryption, tablespaces, files, dataSize, repoSize, pgvaultVersion, List.of());
    }

    /** This manifest with an empty file list (see {@link BackupHeader}). */
    public BackupManifest withoutFiles() {
        return new BackupManifest(format, id, type, parent, cluster, systemIdentifier, pgVersionNum, walSegmentSize,
                timeline, startLsn, stopLsn, startWal, stopWal, startTime, stopTime, backupLabel, tablespaceMap, codec,
                compressLevel, encryption, tablespaces, List.of(), dataSize, repoSize, pgvaultVersion, pageErrors,
                dataChecksums, walLogHints);
    }

    public void write(OutputStream out) throws IOException {
        Json.mapper().writerWithDefaultPrettyPrinter().writeValue(out, this);
    }

    /**
     * Parses a manifest.
     *
     * @throws PgVaultException with {@link ErrorCode#DAMAGED} naming the key when it cannot be parsed
     */
    public static BackupManifest read(InputStream in, String key) {
        try {
            BackupManifest m = Json.mapper().readValue(in, BackupManifest.class);
            checkFormat(m, key);
            if (m.files().stream().anyMatch(f -> f.sha256() != null && !f.rangeSums().isEmpty())) {
                throw new PgVaultException(ErrorCode.DAMAGED, "manifest " + key + " lists a file with both a"
                        + " whole-file checksum and range checksums; the backup cannot be used — run pgvault verify");
            }
            if (m.format() < formatFor(m.files())) {
                throw new PgVaultException(ErrorCode.DAMAGED, "manifest " + key + " lists range checksums but has"
                        + " format " + m.format() + "; the backup cannot be used — run pgvault verify");
            }
            return m;
        } catch (IOException | RuntimeException e) {
            throw damaged(e, key);
        }
    }

    /**
     * Parses a manifest's header: every field but the file list, which is only counted, entry by entry, without
     * building its records (see {@link BackupHeader}).
     *
     * @throws PgVaultException with {@link ErrorCode#DAMAGED} naming the key when it cannot be parsed
     */
    public static BackupHeader readHeader(InputStream in, String key) {
        try (JsonParser p = Json.mapper().getFactory().createParser(in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not a JSON object");
            }
            ObjectNode header = Json.mapper().createObjectNode();
            long files = 0;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if ("files".equals(field) && value == JsonToken.START_ARRAY) {
                    files = countFiles(p);
                } else {
                    header.set(field, Json.mapper().readTree(p));
                }
            }
            BackupManifest m = Json.mapper().treeToValue(header, BackupManifest.class);
            checkFormat(m, key);
            return new BackupHeader(m, files);
        } catch (IOException | RuntimeException e) {
            throw damaged(e, key);
        }
    }

    /** Counts the regular files of a file list, the parser at its start; skips everything else. */
    private static long countFiles(JsonParser p) throws IOException {
        long files = 0;
        while (p.nextToken() == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if ("kind".equals(field)) {
                    if (EntryKind.FILE.name().equals(p.getValueAsString())) {
                        files++;
                    }
                } else {
                    p.skipChildren();
                }
            }
        }
        if (p.currentToken() != JsonToken.END_ARRAY) {
            throw new IOException("a file list entry is not an object");
        }
        return files;
    }

    private static void checkFormat(BackupManifest m, String key) {
        if (m.format() < FORMAT || m.format() > FORMAT_RANGE_SUMS) {
            throw new PgVaultException(ErrorCode.DAMAGED, "manifest " + key + " has format " + m.format()
                    + ", this pgvault reads formats " + FORMAT + " to " + FORMAT_RANGE_SUMS
                    + "; use a matching pgvault version");
        }
    }

    private static PgVaultException damaged(Exception e, String key) {
        if (e instanceof PgVaultException p) {
            return p;
        }
        String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
        return new PgVaultException(ErrorCode.DAMAGED, "manifest " + key + " is corrupt (" + why
                + "); the backup cannot be used — run pgvault verify and take a new backup", e);
    }
}
