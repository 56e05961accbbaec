package io.pgvault.cli.it;

import io.pgvault.core.pg.PgCtl;
import io.pgvault.core.testing.PgTestCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The assembled pgvault launcher (target/pgvault, built by `mvn package` before failsafe runs), copied to a
 * world-readable directory so that the postgres OS user — which runs archive_command and restore_command — can
 * execute it. Commands run as postgres, as a real installation would.
 */
public final class Launcher {

    private static Launcher shared;

    private final Path bin;

    private Launcher(Path bin) {
        this.bin = bin;
    }

    /** The launcher, copied once per test JVM. Fails loudly when the distribution was not built. */
    public static synchronized Launcher get() throws IOException {
        if (shared == null) {
            Path dist = Path.of("target", "pgvault").toAbsolutePath();
            if (!Files.isExecutable(dist.resolve("bin/pgvault"))) {
                throw new IllegalStateException("the pgvault distribution is missing at " + dist
                        + ": run the integration tests with `mvn verify` (they need `package` first)");
            }
            Path copy = Files.createTempDirectory("pgvault-it-dist-");
            Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rwxr-xr-x"));
            try (Stream<Path> s = Files.walk(dist)) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    Path target = copy.resolve(dist.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(target);
                        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
                    } else {
                        Files.copy(p, target, LinkOption.NOFOLLOW_LINKS);
                        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString(
                                Files.isExecutable(p) ? "rwxr-xr-x" : "rw-r--r--"));
                    }
                }
            }
            // the copy's own class-data archive, as an installation builds it (bin/pgvault-cds): every pgvault run
            // of the suite starts faster, and the script is exercised
            Process cds = new ProcessBuilder(copy.resolve("bin/pgvault-cds").toString()).redirectErrorStream(true)
                    .start();
            String cdsOutput = new String(cds.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            try {
                if (cds.waitFor() != 0 || !Files.isReadable(copy.resolve("lib/pgvault.jsa"))) {
                    throw new IllegalStateException("bin/pgvault-cds failed on " + copy + ": " + cdsOutput);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while building the class-data archive", e);
            }
            shared = new Launcher(copy.resolve("bin/pgvault"));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    PgTestCluster.deleteTree(copy);
                } catch (IOException e) {
                    System.err.println("could not remove " + copy + ": " + e);
                }
            }));
        }
        return shared;
    }

    public Path bin() {
        return bin;
    }

    /** Runs {@code pgvault args...} as the postgres OS user with extra environment; returns code and output. */
    public PgCtl.Result run(Map<String, String> env, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(bin.toString());
        cmd.addAll(Arrays.asList(args));
        PgCtl runner = new PgCtl(Path.of("/"), PgTestCluster.OS_USER);
        PgCtl.Result r = runner.run(cmd, env, Duration.ofMinutes(10));
        SuiteOutput.record(args, env, r.exitCode(), r.output());
        return r;
    }

    /**
     * Starts {@code pgvault args...} in the background as the postgres OS user, output to {@code log}. The
     * returned process is {@code runuser}'s when run as root: {@link #jvmOf} finds pgvault's own JVM. Hand the
     * log to {@link SuiteOutput#recordFile} once the process ended.
     */
    public Process start(Path log, Map<String, String> env, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (PgCtl.isRoot()) {
            cmd.addAll(List.of("runuser", "-u", PgTestCluster.OS_USER, "--"));
        }
        cmd.add(bin.toString());
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        SuiteOutput.noteSecrets(env);
        return pb.start();
    }

    /**
     * The JVM running pgvault for a process started by {@link #start}: the launcher script execs java, so it is the
     * process itself or (under runuser) its child whose command is java. Empty while the JVM has not started yet.
     */
    public static java.util.Optional<ProcessHandle> jvmOf(Process p) {
        return Stream.concat(Stream.of(p.toHandle()), p.descendants())
                .filter(h -> h.info().command().map(c -> c.endsWith("/java")).orElse(false))
                .findFirst();
    }

    /** Like {@link #run} but fails the test with pgvault's output when the exit code is not 0. */
    public String ok(Map<String, String> env, String... args) {
        PgCtl.Result r = run(env, args);
        if (r.exitCode() != 0) {
            throw new AssertionError("pgvault " + String.join(" ", args) + " exited " + r.exitCode() + ":\n"
                    + r.output());
        }
        return r.output();
    }
}
