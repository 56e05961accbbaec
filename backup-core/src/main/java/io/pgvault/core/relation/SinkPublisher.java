package io.pgvault.core.relation;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Delivers credentials to a client's sink: the hook first (values in its environment, never on its command line),
 * then the credentials file, replaced atomically by a file created with mode 0600. The file is written only after
 * the hook succeeded, so a failed delivery is retried whole by the next sync.
 */
final class SinkPublisher {

    private final Duration hookTimeout;

    SinkPublisher(Duration hookTimeout) {
        this.hookTimeout = hookTimeout;
    }

    /** The password the client's credentials file holds, if it exists and holds one for its login. */
    Optional<String> knownPassword(Relation r) {
        return read(r.sink().path()).flatMap(text -> CredentialsText.passwordIn(text, r.sink().format(),
                r.database(), r.login()));
    }

    /**
     * Publishes the credentials.
     *
     * @param force publish even when the file already holds exactly these credentials
     * @return true when published, false when the sink was already up to date
     */
    boolean publish(Relation r, Credentials c, String event, boolean force) {
        String text = CredentialsText.render(c, r.sink().format());
        if (!force && read(r.sink().path()).map(text::equals).orElse(false)) {
            return false;
        }
        if (r.sink().hook() != null) {
            Map<String, String> env = new java.util.LinkedHashMap<>(CredentialsText.environment(c));
            env.put("PGVAULT_CREDENTIALS_FILE", r.sink().file());
            env.put("PGVAULT_CREDENTIALS_FORMAT", r.sink().format().label());
            runHook(r, event, env);
        }
        PrivateFile.write(r.sink().path(), text);
        return true;
    }

    /** Tells the client its relation is gone (hook with PGVAULT_EVENT=removed) and deletes its credentials file. */
    void withdraw(Relation r) {
        if (r.sink().hook() != null) {
            runHook(r, "removed", Map.of("PGVAULT_APP", r.app(), "PGVAULT_CREDENTIALS_FILE", r.sink().file()));
        }
        try {
            Files.deleteIfExists(r.sink().path());
        } catch (IOException e) {
            throw new PgVaultException(ErrorCode.LOCAL_IO, "cannot delete " + r.sink().file() + ": "
                    + e.getMessage(), e);
        }
    }

    private static Optional<String> read(Path file) {
        try {
            return Optional.of(Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new PgVaultException(ErrorCode.LOCAL_IO, "cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private void runHook(Relation r, String event, Map<String, String> values) {
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", r.sink().hook())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        // pgvault's own connection settings (PGPASSWORD, PGPASSFILE, ...) must not reach the client's hook
        pb.environment().keySet().removeIf(k -> k.startsWith("PG") || k.equals("DATABASE_URL"));
        pb.environment().putAll(values);
        pb.environment().put("PGVAULT_EVENT", event);
        try {
            Process p = pb.start();
            if (!p.waitFor(hookTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new PgVaultException(ErrorCode.TIMEOUT, "the hook of relation '" + r.app() + "' did not finish "
                        + "within " + hookTimeout.toSeconds() + "s; its credentials file was left as it was");
            }
            if (p.exitValue() != 0) {
                throw new PgVaultException(ErrorCode.LOCAL_IO, "the hook of relation '" + r.app() + "' exited "
                        + p.exitValue() + "; its credentials file was left as it was (fix the hook, then run "
                        + "pgvault relate sync)");
            }
        } catch (IOException e) {
            throw new PgVaultException(ErrorCode.LOCAL_IO, "cannot run the hook of relation '" + r.app() + "': "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgVaultException(ErrorCode.INTERNAL, "interrupted running the hook of relation '"
                    + r.app() + "'");
        }
    }
}
