package io.pgvault.core.backup;

/** Receives progress of a running backup or restore; called from worker threads, so implementations are thread-safe. */
public interface BackupProgress {

    /** Work is about to start: {@code totalBytes} in {@code files} files. */
    default void started(long totalBytes, int files) {
    }

    /** {@code bytes} more bytes were read and stored. */
    default void advanced(long bytes) {
    }

    /** A named phase began, e.g. waiting for WAL to be archived. */
    default void phase(String description) {
    }

    BackupProgress NONE = new BackupProgress() {
    };
}
