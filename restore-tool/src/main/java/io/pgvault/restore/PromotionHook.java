package io.pgvault.restore;

import io.pgvault.core.pg.PgConnectionSettings;
import java.nio.file.Path;

/**
 * Work to do once a managed recovery has promoted the restored server, while it runs: re-relating client
 * applications, for one. Hooks run in order; one that throws fails the restore (the server keeps running).
 */
@FunctionalInterface
public interface PromotionHook {

    /**
     * The promoted server.
     *
     * @param pgdata     its data directory
     * @param connection how to reach it (host and port from its postmaster.pid, the login pgvault used)
     * @param outcome    the point recovery reached and the new timeline
     */
    record PromotedServer(Path pgdata, PgConnectionSettings connection, RecoveryOutcome outcome) {
    }

    void promoted(PromotedServer server);
}
