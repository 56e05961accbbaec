package io.pgvault.core.relation;

/**
 * Where clients reach a server.
 *
 * @param host host name or address (IPv6 without brackets)
 * @param port TCP port
 */
public record Endpoint(String host, int port) {

    public Endpoint {
        if (host == null || host.isBlank() || !host.matches("[A-Za-z0-9_.:%-]+")) {
            throw new IllegalArgumentException("invalid host " + SqlIdentifier.printable(host));
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is out of range (1-65535)");
        }
    }

    /** Parses {@code host:port} or {@code [v6]:port}. */
    public static Endpoint parse(String text) {
        String t = text == null ? "" : text.strip();
        int colon = t.lastIndexOf(':');
        if (colon <= 0 || colon == t.length() - 1) {
            throw new IllegalArgumentException("expected host:port, got " + SqlIdentifier.printable(text));
        }
        String host = t.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            return new Endpoint(host, Integer.parseInt(t.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected host:port, got " + SqlIdentifier.printable(text));
        }
    }

    /** The host as it goes into a URI: IPv6 addresses in brackets. */
    public String uriHost() {
        return host.contains(":") ? "[" + host + "]" : host;
    }

    @Override
    public String toString() {
        return uriHost() + ":" + port;
    }
}
