package io.pgvault.core.manifest;

/**
 * A tablespace at backup time.
 *
 * @param oid      its oid, the name of its link under pg_tblspc
 * @param name     its SQL name
 * @param location the directory it lived in
 */
public record TablespaceEntry(long oid, String name, String location) {
}
