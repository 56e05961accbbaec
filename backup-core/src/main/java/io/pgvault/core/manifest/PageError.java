package io.pgvault.core.manifest;

import java.util.List;

/**
 * Pages of one file whose PostgreSQL checksum failed while the backup read them (pages written after the backup
 * started are not judged: WAL replay rewrites them).
 *
 * @param path   the file, relative to the data directory
 * @param blocks block numbers of the corrupt pages
 */
public record PageError(String path, List<Long> blocks) {
    public PageError {
        blocks = List.copyOf(blocks);
    }
}
