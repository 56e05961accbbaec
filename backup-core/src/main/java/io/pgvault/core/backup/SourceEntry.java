package io.pgvault.core.backup;

import io.pgvault.core.manifest.EntryKind;
import java.nio.file.Path;

/**
 * A file, directory or link found in the data directory or a tablespace, to be backed up.
 *
 * @param path       path relative to the data directory ('/' separators)
 * @param source     where it is on disk
 * @param kind       what it is
 * @param size       size at scan time (files)
 * @param mode       permission bits
 * @param mtime      modification time, epoch milliseconds
 * @param linkTarget target of a link
 */
public record SourceEntry(String path, Path source, EntryKind kind, long size, int mode, long mtime,
                          String linkTarget) {
}
