package io.pgvault.cli.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Everything pgvault printed during the integration tests, in one place for {@link SecretsScanIT}: the output of
 * every invocation ({@code runs.log}, one block per run under a {@link #HEADER} line naming its arguments), the
 * server logs of the test clusters ({@code server-logs/}, copied by PgTestCluster when a server stops; archive_command
 * and restore_command write there) and other logs the tests hand in ({@code files/}). Secret values the tests pass
 * through the environment are noted in {@code secrets.txt}. The directory is {@code target/it-output} (system
 * property {@code pgvault.it.output}); the main failsafe run empties it first ({@code pgvault.it.output.reset}).
 */
public final class SuiteOutput {

    /** Starts the header line of one invocation's block in runs.log. */
    public static final String HEADER = "#### pgvault-run ";

    /** Environment variables whose values are secrets (access key ids are not). */
    private static final Pattern SECRET_NAME =
            Pattern.compile("(?i).*(SECRET|PASSWORD|PASSPHRASE|_KEY|TOKEN|CONNECTION_STRING).*");

    private static boolean prepared;

    private SuiteOutput() {
    }

    /** The output directory, created (and emptied once per test JVM when asked to). */
    public static synchronized Path dir() {
        Path dir = Path.of(System.getProperty("pgvault.it.output", "target/it-output")).toAbsolutePath();
        try {
            if (!prepared && Boolean.getBoolean("pgvault.it.output.reset")) {
                io.pgvault.core.testing.PgTestCluster.deleteTree(dir);
            }
            prepared = true;
            Files.createDirectories(dir.resolve("files"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /** Appends one invocation's output; notes the secrets of its environment. */
    public static synchronized void record(String[] args, Map<String, String> env, int exitCode, String output) {
        noteSecrets(env);
        String header = HEADER + Arrays.stream(args).map(a -> a.replace("\n", "\\n")).collect(Collectors.joining(" "))
                + " [exit " + exitCode + "]\n";
        append(dir().resolve("runs.log"), header + output + (output.endsWith("\n") || output.isEmpty() ? "" : "\n"));
    }

    /** Copies a log a test collected by itself (a background pgvault's output, a pgvault log file). */
    public static synchronized void recordFile(Path log) {
        if (!Files.isRegularFile(log)) {
            return;
        }
        try {
            Files.copy(log, dir().resolve("files").resolve(System.nanoTime() + "-" + log.getFileName()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Copies every {@code *.log} file under a test's work directory (background pgvault output, server logs, the
     * start logs of servers pgvault started) before the test removes it.
     */
    public static synchronized void keepLogs(Path work) {
        if (work == null || !Files.isDirectory(work)) {
            return;
        }
        try (java.util.stream.Stream<Path> s = Files.walk(work)) {
            s.filter(p -> p.getFileName().toString().endsWith(".log") && Files.isRegularFile(p))
                    .forEach(SuiteOutput::recordFile);
        } catch (IOException | UncheckedIOException e) {
            throw new IllegalStateException("cannot collect the logs under " + work + ": " + e, e);
        }
    }

    /** Notes the values of secret-looking variables (SECRET, PASSWORD, PASSPHRASE, _KEY, TOKEN) in secrets.txt. */
    public static synchronized void noteSecrets(Map<String, String> env) {
        String secrets = env.entrySet().stream()
                .filter(e -> SECRET_NAME.matcher(e.getKey()).matches() && !e.getKey().endsWith("_ID")
                        && !e.getKey().endsWith("_FILE")) // a path to a secret (PGVAULT_PASSPHRASE_FILE) is no secret
                .map(Map.Entry::getValue).filter(v -> v.length() >= 6 && !v.contains("\n"))
                .map(v -> v + "\n").collect(Collectors.joining());
        if (!secrets.isEmpty()) {
            append(dir().resolve("secrets.txt"), secrets);
        }
    }

    private static void append(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
