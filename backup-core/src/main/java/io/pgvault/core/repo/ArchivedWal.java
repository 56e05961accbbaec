package io.pgvault.core.repo;

import io.pgvault.core.pg.WalFileName;
import io.pgvault.core.stream.Codec;
import java.time.Instant;

/**
 * A WAL file found in the archive.
 *
 * @param name       the WAL file's name
 * @param key        its object key
 * @param codec      how it is compressed (from the key's extension)
 * @param storedSize stored bytes
 * @param archivedAt when the object was committed, by the store's clock
 */
public record ArchivedWal(WalFileName name, String key, Codec codec, long storedSize, Instant archivedAt) {
}
