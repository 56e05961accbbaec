package io.pgvault.core.pg;

/**
 * How to reach the database server. The password is optional: without it pgjdbc looks in ~/.pgpass (or PGPASSFILE)
 * as libpq does; the command line fills it from PGPASSWORD.
 *
 * @param host     host name or address, or the directory of the server's Unix-domain socket (e.g.
 *                 /var/run/postgresql), as with libpq
 * @param port     TCP port
 * @param user     login role
 * @param database database to connect to (any database works for backups)
 * @param password password, or null
 */
public record PgConnectionSettings(String host, int port, String user, String database, String password) {

    public PgConnectionSettings {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("pg-host is empty");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("pg-port " + port + " is out of range (1-65535)");
        }
        if (user == null || user.isBlank()) {
            throw new IllegalArgumentException("pg-user is empty");
        }
        if (database == null || database.isBlank()) {
            throw new IllegalArgumentException("pg-database is empty");
        }
    }

    /** True when {@code host} is a directory holding the server's Unix-domain socket (libpq's convention). */
    public boolean isUnixSocket() {
        return host.startsWith("/");
    }

    public PgConnectionSettings withDatabase(String db) {
        return new PgConnectionSettings(host, port, user, db, password);
    }

    public String describe() {
        return user + "@" + host + ":" + port + "/" + database;
    }

    @Override
    public String toString() {
        return "PgConnectionSettings[" + describe() + ", password=" + (password == null ? "none" : "****") + "]";
    }
}
