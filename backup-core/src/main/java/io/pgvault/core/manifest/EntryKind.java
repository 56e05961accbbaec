package io.pgvault.core.manifest;

/** What a manifest entry is on disk. */
public enum EntryKind {
    FILE, DIRECTORY, LINK
}
