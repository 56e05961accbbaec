package io.pgvault.core.relation;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Finds the endpoints clients are told about: the primary, and the hot standbys that stream from it right now
 * (pg_stat_replication, physical walsenders in state streaming, leaving out pg_basebackup, pg_receivewal and
 * pgvault's own WAL streaming). A standby that does not stream from the primary — e.g. an old standby still on a
 * timeline a point-in-time restore abandoned — is never published.
 */
final class EndpointDiscovery {

    /** The endpoints, and standbys listed but left out (not streaming). */
    record Endpoints(Endpoint primary, List<Endpoint> standbys, List<Endpoint> notStreaming) {
    }

    private EndpointDiscovery() {
    }

    static Endpoints discover(ServerSessions sessions, EndpointOptions options) {
        String host = options.clientHost() != null ? options.clientHost() : sessions.settings().host();
        int port = sessions.settings().port();
        Set<String> streaming = new HashSet<>();
        for (List<String> row : sessions.main().rows("SELECT host(r.client_addr) FROM pg_stat_replication r "
                + "JOIN pg_stat_activity a ON a.pid = r.pid WHERE r.state = 'streaming' AND r.client_addr IS NOT NULL "
                + "AND a.datname IS NULL AND r.application_name NOT IN ('pg_basebackup', 'pg_receivewal') "
                + "AND r.application_name NOT LIKE 'pgvault%' ORDER BY 1", "list the streaming standbys")) {
            streaming.add(normalize(row.get(0)));
        }
        List<Endpoint> standbys = new ArrayList<>();
        List<Endpoint> left = new ArrayList<>();
        if (options.standbys().isEmpty()) {
            streaming.stream().sorted().forEach(a -> standbys.add(new Endpoint(a, port)));
        } else {
            for (Endpoint s : options.standbys()) {
                (addresses(s.host()).stream().anyMatch(streaming::contains) ? standbys : left).add(s);
            }
        }
        return new Endpoints(new Endpoint(host, port), standbys, left);
    }

    private static Set<String> addresses(String host) {
        Set<String> out = new HashSet<>();
        try {
            for (InetAddress a : InetAddress.getAllByName(host)) {
                out.add(a.getHostAddress());
            }
        } catch (UnknownHostException e) {
            // an unresolvable standby is not streaming from anywhere we can tell: it is left out
        }
        return out;
    }

    private static String normalize(String address) {
        try {
            return InetAddress.getByName(address).getHostAddress();
        } catch (UnknownHostException e) {
            return address;
        }
    }
}
