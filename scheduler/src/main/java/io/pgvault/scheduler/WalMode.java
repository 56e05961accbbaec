package io.pgvault.scheduler;

import java.util.Locale;

/** How the agent gets the server's WAL into the repository. */
public enum WalMode {
    /** archive_command only (optionally pushed ahead through the spool). */
    ARCHIVE,
    /** Streaming over a physical replication slot only: archive_mode may stay off. */
    STREAM,
    /** Both: archive_command stores finished segments, streaming adds the growing one (recommended). */
    BOTH;

    /**
     * Parses {@code archive}, {@code stream} or {@code both} (any case).
     *
     * @throws IllegalArgumentException naming the text and the accepted values
     */
    public static WalMode parse(String text) {
        if (text != null) {
            for (WalMode m : values()) {
                if (m.name().equalsIgnoreCase(text.strip())) {
                    return m;
                }
            }
        }
        throw new IllegalArgumentException("wal-mode must be archive, stream or both, got '" + text + "'");
    }

    public boolean streams() {
        return this != ARCHIVE;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
