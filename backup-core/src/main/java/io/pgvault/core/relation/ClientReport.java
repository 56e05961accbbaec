package io.pgvault.core.relation;

import io.pgvault.core.ErrorCode;
import java.util.List;

/**
 * What one relate step did for one client.
 *
 * @param app       the client's name
 * @param login     its login
 * @param changes   what changed on the server, in order; empty when it already matched
 * @param published where fresh credentials were delivered (the file, "hook"); empty when the sink was up to date
 * @param error     why this client failed, or null
 * @param errorCode the failure's code, or null
 */
public record ClientReport(String app, String login, List<String> changes, List<String> published, String error,
                           ErrorCode errorCode) {

    public ClientReport {
        changes = List.copyOf(changes);
        published = List.copyOf(published);
    }

    static ClientReport failed(String app, String login, List<String> changes, ErrorCode code, String error) {
        return new ClientReport(app, login, changes, List.of(), error, code);
    }

    public boolean failed() {
        return error != null;
    }

    /** True when the server or the sink changed. */
    public boolean changed() {
        return !changes.isEmpty() || !published.isEmpty();
    }
}
