package io.pgvault.restore;

import java.util.Locale;

/** What the server does when it reaches the target (recovery_target_action). */
public enum TargetAction {
    PROMOTE, PAUSE, SHUTDOWN;

    public static TargetAction parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown target action '" + text + "' (expected promote, pause or shutdown)");
        }
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
