package io.pgvault.core.relation;

import java.time.Duration;
import java.util.Objects;

/**
 * How a sync runs.
 *
 * @param rotatePasswords issue new passwords to every client (the default after a restore: the restored database
 *                        may hold credentials that leaked before the disaster); false keeps each password its sink
 *                        holds while it still matches the server
 * @param endpoints       what clients are told about the primary and the standbys
 * @param hookTimeout     how long a client's hook may run
 */
public record SyncOptions(boolean rotatePasswords, EndpointOptions endpoints, Duration hookTimeout) {

    public static final Duration DEFAULT_HOOK_TIMEOUT = Duration.ofSeconds(60);

    public SyncOptions {
        Objects.requireNonNull(endpoints, "endpoints");
        Objects.requireNonNull(hookTimeout, "hookTimeout");
    }

    /** After a restore: rotate every password, publish the primary pgvault connects to and the streaming standbys. */
    public static SyncOptions afterRestore() {
        return new SyncOptions(true, EndpointOptions.DISCOVER, DEFAULT_HOOK_TIMEOUT);
    }

    public static SyncOptions of(boolean rotatePasswords, EndpointOptions endpoints) {
        return new SyncOptions(rotatePasswords, endpoints, DEFAULT_HOOK_TIMEOUT);
    }
}
