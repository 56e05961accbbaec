package io.pgvault.core.pg;

/** A user tablespace as the server reports it. */
public record Tablespace(long oid, String name, String location) {
}
