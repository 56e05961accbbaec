package io.pgvault.core.relation;

import java.util.List;

/**
 * What clients are told about where the servers are.
 *
 * @param clientHost the primary's host name or address as clients should use it; null for the host pgvault itself
 *                   connects to
 * @param standbys   the standbys' client endpoints; a listed standby is published only while it streams from the
 *                   primary. Empty: every standby streaming from the primary is published at its address
 *                   (pg_stat_replication.client_addr) and the primary's port
 */
public record EndpointOptions(String clientHost, List<Endpoint> standbys) {

    /** pgvault's connection host for the primary, and the standbys pg_stat_replication shows. */
    public static final EndpointOptions DISCOVER = new EndpointOptions(null, List.of());

    public EndpointOptions {
        if (clientHost != null && clientHost.isBlank()) {
            clientHost = null;
        }
        if (clientHost != null) {
            new Endpoint(clientHost, 1);
        }
        standbys = standbys == null ? List.of() : List.copyOf(standbys);
    }
}
