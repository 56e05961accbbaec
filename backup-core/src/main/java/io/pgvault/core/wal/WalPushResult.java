package io.pgvault.core.wal;

/** What wal-push did. */
public enum WalPushResult {
    /** Stored now. */
    ARCHIVED,
    /** Already archived with identical content; nothing written. */
    ALREADY_ARCHIVED
}
