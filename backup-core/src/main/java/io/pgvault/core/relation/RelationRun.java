package io.pgvault.core.relation;

import io.pgvault.core.PgVaultException;
import io.pgvault.core.pg.PgConnectionSettings;
import io.pgvault.core.relation.EndpointDiscovery.Endpoints;
import io.pgvault.core.repo.ClusterInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The work of one relate command on the server: checked sessions, the endpoints clients are told, and applying a
 * relation then publishing its credentials. Not thread-safe; close it when done.
 */
final class RelationRun implements AutoCloseable {

    private final ServerSessions sessions;
    private final Endpoints endpoints;
    private final String version;
    private final RelationApplier applier;
    private final SinkPublisher publisher;

    private RelationRun(ServerSessions sessions, String cluster, EndpointOptions options, Duration hookTimeout) {
        this.sessions = sessions;
        this.endpoints = EndpointDiscovery.discover(sessions, options);
        this.version = sessions.version();
        this.applier = new RelationApplier(sessions, cluster, new PasswordGenerator());
        this.publisher = new SinkPublisher(hookTimeout);
    }

    /** Connects to the primary of the repository's cluster (refusing a standby) and finds the endpoints. */
    static RelationRun open(PgConnectionSettings connection, ClusterInfo cluster, EndpointOptions options,
                            Duration hookTimeout) {
        ServerSessions sessions = ServerSessions.openPrimary(connection, cluster);
        try {
            return new RelationRun(sessions, cluster.cluster(), options, hookTimeout);
        } catch (RuntimeException e) {
            sessions.close();
            throw e;
        }
    }

    ServerSessions sessions() {
        return sessions;
    }

    SinkPublisher publisher() {
        return publisher;
    }

    Endpoints endpoints() {
        return endpoints;
    }

    /**
     * Applies one relation and publishes its credentials; a failure is reported, not thrown, so the other clients
     * of a sync still get theirs.
     *
     * @param rotate new password even if the sink's still works
     * @param force  publish even when the sink already holds these credentials
     */
    ClientReport relate(Relation r, boolean rotate, boolean force, String event) {
        List<String> changes = new ArrayList<>();
        try {
            String known = rotate ? null : publisher.knownPassword(r).orElse(null);
            String password = applier.apply(r, known, rotate, changes);
            boolean published = publisher.publish(r, credentials(r, password), event, force || !changes.isEmpty());
            List<String> where = new ArrayList<>();
            if (published) {
                if (r.sink().hook() != null) {
                    where.add("hook");
                }
                where.add(r.sink().file() + " (" + r.sink().format().label() + ")");
            }
            return new ClientReport(r.app(), r.login(), changes, where, null, null);
        } catch (PgVaultException e) {
            return ClientReport.failed(r.app(), r.login(), changes, e.code(), e.getMessage());
        }
    }

    Credentials credentials(Relation r, String password) {
        return new Credentials(r.app(), r.database(), r.login(), password, endpoints.primary(), version,
                endpoints.standbys(), r.ownerRole(), r.admin());
    }

    /** Notes on standbys listed but left out. */
    List<String> notes() {
        return endpoints.notStreaming().stream()
                .map(s -> "standby " + s + " does not stream from the primary: not published to clients").toList();
    }

    @Override
    public void close() {
        sessions.close();
    }
}
