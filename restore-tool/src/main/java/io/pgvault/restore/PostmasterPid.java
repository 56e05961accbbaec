package io.pgvault.restore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A data directory's postmaster.pid: the running server's pid, port, and the address it listens on. PostgreSQL
 * writes it at startup and removes it at shutdown.
 *
 * @param pid           postmaster process id
 * @param port          TCP port
 * @param listenAddress first entry of listen_addresses, empty when the server listens on no TCP address
 * @param status        startup status (starting, ready, standby, stopping), empty before it is written
 */
record PostmasterPid(long pid, int port, String listenAddress, String status) {

    /** The file as it is now, or empty when absent or not yet complete. */
    static Optional<PostmasterPid> read(Path pgdata) {
        try {
            List<String> lines = Files.readAllLines(pgdata.resolve("postmaster.pid"));
            if (lines.size() < 4) {
                return Optional.empty();
            }
            long pid = Long.parseLong(lines.get(0).trim());
            int port = Integer.parseInt(lines.get(3).trim());
            String listen = lines.size() > 5 ? lines.get(5).trim() : "";
            String status = lines.size() > 7 ? lines.get(7).trim() : "";
            return Optional.of(new PostmasterPid(pid, port, listen, status));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    boolean alive() {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** True once the server takes connections: "ready" as a primary, "standby" in hot standby. */
    boolean acceptsConnections() {
        return status.equals("ready") || status.equals("standby");
    }

    /** Where to connect: the listen address, with wildcards turned into the loopback address; null without TCP. */
    String host() {
        String first = listenAddress.split(",")[0].trim();
        return switch (first) {
            case "" -> null;
            case "*", "0.0.0.0" -> "127.0.0.1";
            case "::" -> "::1";
            default -> first;
        };
    }
}
