package io.pgvault.restore;

import io.pgvault.core.pg.PgConnectionSettings;

/**
 * How pgvault logs into a server it started (a restored server or a standby): role, database and password; the host
 * and port come from the server's postmaster.pid.
 *
 * @param user     login role
 * @param database database to connect to
 * @param password password, or null (pgjdbc then reads ~/.pgpass)
 */
public record ServerLogin(String user, String database, String password) {

    PgConnectionSettings at(String host, int port) {
        return new PgConnectionSettings(host, port, user, database, password);
    }

    @Override
    public String toString() {
        return "ServerLogin[" + user + "/" + database + ", password=" + (password == null ? "none" : "****") + "]";
    }
}
