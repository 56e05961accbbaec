package io.pgvault.core.pg;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs PostgreSQL's own programs (initdb, pg_ctl) for a data directory, as the OS user that owns it: PostgreSQL
 * refuses to run as root, so when pgvault runs as root these go through {@code runuser}.
 */
public final class PgCtl {

    /** The output and exit code of a finished program. */
    public record Result(int exitCode, String output) {
    }

    private final Path binDir;
    private final String osUser;

    /**
     * @param binDir directory holding initdb and pg_ctl
     * @param osUser user to run them as when the current process is root; null to run as the current user
     */
    public PgCtl(Path binDir, String osUser) {
        this.binDir = binDir;
        this.osUser = osUser;
    }

    /**
     * Finds PostgreSQL's binaries: {@code hint} when given, else the newest /usr/lib/postgresql/N/bin.
     *
     * @throws PgVaultException NOT_FOUND with the package to install
     */
    public static Path findBinDir(String hint) {
        if (hint != null && !hint.isBlank()) {
            Path p = Path.of(hint);
            if (Files.isExecutable(p.resolve("initdb"))) {
                return p;
            }
            throw new PgVaultException(ErrorCode.NOT_FOUND, "no initdb in " + hint);
        }
        Path base = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(base)) {
            try (Stream<Path> s = Files.list(base)) {
                Optional<Path> newest = s.map(p -> p.resolve("bin"))
                        .filter(p -> Files.isExecutable(p.resolve("initdb")))
                        .max(Comparator.comparingInt(p -> parseMajor(p.getParent().getFileName().toString())));
                if (newest.isPresent()) {
                    return newest.get();
                }
            } catch (IOException ignored) {
                // fall through to the error below
            }
        }
        throw new PgVaultException(ErrorCode.NOT_FOUND, "PostgreSQL's server programs were not found in "
                + "/usr/lib/postgresql/*/bin: install them (apt-get install postgresql) or pass --pg-bin");
    }

    private static int parseMajor(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    public Path binDir() {
        return binDir;
    }

    /** True when this process is root, so programs are run as {@link #osUser}. */
    public static boolean isRoot() {
        return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
    }

    public Result initdb(Path pgdata, List<String> extra) {
        List<String> cmd = new ArrayList<>(List.of(binDir.resolve("initdb").toString(), "-D", pgdata.toString()));
        cmd.addAll(extra);
        return check(run(cmd, Map.of(), Duration.ofMinutes(3)), "initdb");
    }

    /** Starts the server and waits until it accepts connections (or recovery reached a consistent state). */
    public Result start(Path pgdata, Path logFile, Duration timeout) {
        return check(run(List.of(binDir.resolve("pg_ctl").toString(), "-D", pgdata.toString(), "-l",
                logFile.toString(), "-w", "-t", Long.toString(timeout.toSeconds()), "start"), Map.of(),
                timeout.plusSeconds(30)), "pg_ctl start (see " + logFile + ")");
    }

    public Result stop(Path pgdata, String mode) {
        return run(List.of(binDir.resolve("pg_ctl").toString(), "-D", pgdata.toString(), "-m", mode, "-w", "-t", "120",
                "stop"), Map.of(), Duration.ofMinutes(3));
    }

    public boolean isRunning(Path pgdata) {
        return run(List.of(binDir.resolve("pg_ctl").toString(), "-D", pgdata.toString(), "status"), Map.of(),
                Duration.ofSeconds(30)).exitCode() == 0;
    }

    /** Runs a program (as the configured OS user when root) and collects its output. */
    public Result run(List<String> command, Map<String, String> env, Duration timeout) {
        List<String> cmd = new ArrayList<>();
        if (osUser != null && isRoot()) {
            cmd.addAll(List.of("runuser", "-u", osUser, "--"));
        }
        cmd.addAll(command);
        try {
            Path out = Files.createTempFile("pgvault-run", ".log");
            try {
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
                pb.environment().putAll(env);
                Process p = pb.start();
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    throw new PgVaultException(ErrorCode.TIMEOUT, String.join(" ", command) + " did not finish within "
                            + timeout.toSeconds() + "s");
                }
                return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new PgVaultException(ErrorCode.LOCAL_IO, "cannot run " + cmd.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgVaultException(ErrorCode.INTERNAL, "interrupted running " + command.get(0));
        }
    }

    private static Result check(Result r, String what) {
        if (r.exitCode() != 0) {
            String last = r.output().strip().lines().reduce((a, b) -> b).orElse("");
            throw new PgVaultException(ErrorCode.POSTGRES, what + " failed (exit " + r.exitCode() + "): " + last);
        }
        return r;
    }
}
