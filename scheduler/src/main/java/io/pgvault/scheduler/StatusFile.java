package io.pgvault.scheduler;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.repo.Json;
import io.pgvault.core.repo.RepositoryLock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * The agent's status on local disk, {@code <state-dir>/agent-<cluster>.json}: replaced atomically (written beside,
 * then renamed), so a reader never sees half a file.
 */
public final class StatusFile {

    private final Path file;

    public StatusFile(Path stateDir, String cluster) {
        this.file = stateDir.resolve("agent-" + cluster + ".json");
    }

    public Path path() {
        return file;
    }

    /**
     * Creates the state directory when missing.
     *
     * @throws PgVaultException LOCAL_IO naming the directory when it cannot be created or written
     */
    public void prepare() {
        Path dir = file.getParent();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new PgVaultException(ErrorCode.LOCAL_IO, "cannot create the state directory " + dir + " ("
                    + e.getMessage() + "); create it writable by this user or pass --state-dir", e);
        }
        if (!Files.isWritable(dir)) {
            throw new PgVaultException(ErrorCode.LOCAL_IO, "the state directory " + dir + " is not writable by this "
                    + "user; fix its owner or pass --state-dir");
        }
    }

    public void write(AgentStatus status) {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        try {
            Files.write(tmp, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(status));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new PgVaultException(ErrorCode.LOCAL_IO, "cannot write the agent status " + file + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * Whether the agent that wrote a status still runs: "running", "stopped" (it stopped cleanly), "gone" (its
     * process no longer exists: killed, or the machine restarted), or "unknown" (it ran on another host).
     */
    public static String stateOf(AgentStatus status) {
        if (status.stopped() != null) {
            return "stopped";
        }
        if (!status.host().equals(RepositoryLock.Contender.current().host())) {
            return "unknown";
        }
        boolean alive = ProcessHandle.of(status.pid()).map(ProcessHandle::isAlive).orElse(false)
                && ProcessHandle.of(status.pid()).flatMap(p -> p.info().startInstant())
                        .map(start -> !start.isAfter(status.started())).orElse(true);
        return alive ? "running" : "gone";
    }

    /** The status last written, or empty when no agent ever ran with this state directory and cluster. */
    public Optional<AgentStatus> read() {
        try {
            return Optional.of(Json.mapper().readValue(Files.readAllBytes(file), AgentStatus.class));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new PgVaultException(ErrorCode.LOCAL_IO, "cannot read the agent status " + file + ": "
                    + e.getMessage(), e);
        }
    }
}
