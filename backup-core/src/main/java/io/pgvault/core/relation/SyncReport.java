package io.pgvault.core.relation;

import java.util.List;
import java.util.Optional;

/**
 * What a sync did, per client.
 *
 * @param clients one report per registered relation, then one per stale login dropped
 * @param notes   other facts worth telling, e.g. a listed standby left out because it does not stream
 */
public record SyncReport(List<ClientReport> clients, List<String> notes) {

    public SyncReport {
        clients = List.copyOf(clients);
        notes = List.copyOf(notes);
    }

    public boolean ok() {
        return clients.stream().noneMatch(ClientReport::failed);
    }

    /** The first client that failed, if any. */
    public Optional<ClientReport> firstFailure() {
        return clients.stream().filter(ClientReport::failed).findFirst();
    }
}
