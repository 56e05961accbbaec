package io.pgvault.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgvault.core.pg.PgCtl;
import io.pgvault.core.testing.PgTestCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Secrets never in logs, process titles or error messages. Runs in its own failsafe execution after every other IT
 * (cli/pom.xml): it adds a few runs of its own (a backup with secrets in its environment while the process list is
 * watched, credential files), then greps everything the suite printed ({@link SuiteOutput}) for the suite's secrets.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecretsScanIT {

    /**
     * The suite's fixed secrets. Secrets passed through a variable whose name says so (..._KEY, ...PASSWORD,
     * ...SECRET..., ...PASSPHRASE, ...TOKEN) are added by {@link SuiteOutput#noteSecrets}; add others here.
     */
    static final List<String> KNOWN_SECRETS = List.of(
            RepoTarget.s3().env().get("AWS_SECRET_ACCESS_KEY"),
            RepoTarget.azure().env().get("AZURE_STORAGE_KEY"),
            RepoTarget.swift().env().get("OS_PASSWORD"),
            StorageFaultIT.SWIFT_TEMPAUTH_KEY,
            EncryptionIT.PASSPHRASE,
            EncryptionIT.NEW_PASSPHRASE,
            "right horse battery staple"); // HostileInputIT's encrypted cluster

    /** Runs whose output shows a password on purpose: their output is a source of secrets, not scanned. */
    private static final List<Pattern> SHOWS_SECRETS = List.of(
            Pattern.compile(" relate credentials "), Pattern.compile(" set-password .*--show"));

    /** Generated passwords (relations, set-password): 32 characters of [A-Za-z0-9]. */
    private static final Pattern GENERATED = Pattern.compile("(?<![A-Za-z0-9])[A-Za-z0-9]{32}(?![A-Za-z0-9])");

    private static final String PG_PASSWORD = "pg-password-" + Long.toString(System.nanoTime(), 36);

    private Path work;
    private RepoTarget repo;
    private Launcher launcher;
    private PgTestCluster primary;
    private final Set<String> generated = new LinkedHashSet<>();

    @BeforeAll
    void prepare() throws Exception {
        work = PgTestCluster.workDirectory("pgvault-secrets-");
        repo = RepoTarget.s3();
        launcher = Launcher.get();
        primary = PgTestCluster.start(work, "primary", "archive_mode = on\narchive_command = '" + launcher.bin() + " "
                + repo.archiveArgs("sec") + " wal-push %p'\n", repo.env());
        launcher.ok(env(), args("--pg-port", port(), "init"));
    }

    @AfterAll
    void cleanUp() throws IOException {
        if (primary != null) {
            primary.stopImmediately();
        }
        SuiteOutput.keepLogs(work);
        PgTestCluster.deleteTree(work);
    }

    private String port() {
        return Integer.toString(primary.port());
    }

    private Map<String, String> env() {
        Map<String, String> env = new HashMap<>(repo.env());
        env.put("PGPASSWORD", PG_PASSWORD);
        return env;
    }

    private String[] args(String... args) {
        List<String> all = new ArrayList<>(repo.args("sec"));
        all.addAll(List.of(args));
        return all.toArray(String[]::new);
    }

    @Test
    @Order(1)
    void processListNeverShowsSecrets() throws Exception {
        Path log = work.resolve("backup.log");
        Process backup = launcher.start(log, env(), args("--pg-port", port(), "--pgdata", primary.pgdata().toString(),
                "--jobs", "1", "backup"));
        int samples = 0;
        int sawJvm = 0;
        while (backup.isAlive()) {
            PgCtl.Result ps = new PgCtl(Path.of("/"), null).run(List.of("ps", "-eo", "pid=,ppid=,args="),
                    Map.of(), Duration.ofSeconds(10));
            samples++;
            String ours = ourProcesses(ps.output(), backup.pid());
            if (ours.contains("io.pgvault.cli.Main")) {
                sawJvm++;
            }
            for (String secret : secrets(List.of())) {
                assertThat(ours).as("process list while pgvault backup runs").doesNotContain(secret);
            }
            backup.waitFor(50, TimeUnit.MILLISECONDS);
        }
        SuiteOutput.recordFile(log);
        assertThat(backup.exitValue()).as(Files.readString(log)).isZero();
        assertThat(sawJvm).as("process-list samples showing the pgvault JVM, of " + samples).isGreaterThan(0);
        System.out.println("process list sampled " + samples + " times, " + sawJvm + " with pgvault running");
    }

    /**
     * The lines of a {@code ps -eo pid=,ppid=,args=} listing that belong to this test: the backup's process tree and
     * every process whose command line names pgvault (the cluster's server and archiver children, wal-push). Other
     * processes on the machine are not ours to judge: a stranger's command line may hold any word.
     */
    static String ourProcesses(String listing, long root) {
        Map<Long, Long> parent = new HashMap<>();
        Map<Long, String> line = new HashMap<>();
        for (String l : listing.split("\n")) {
            String[] f = l.trim().split("\\s+", 3);
            if (f.length < 2 || !f[0].matches("\\d+") || !f[1].matches("\\d+")) {
                continue;
            }
            long pid = Long.parseLong(f[0]);
            parent.put(pid, Long.parseLong(f[1]));
            line.put(pid, f.length == 3 ? f[2] : "");
        }
        StringBuilder out = new StringBuilder();
        for (Map.Entry<Long, String> e : line.entrySet()) {
            boolean mine = e.getValue().contains("pgvault");
            for (Long p = e.getKey(); !mine && p != null && p > 1; p = parent.get(p)) {
                mine = p == root;
            }
            if (mine) {
                out.append(e.getValue()).append('\n');
            }
        }
        return out.toString();
    }

    @Test
    @Order(2)
    void credentialFilesAreOwnerOnly() throws Exception {
        Path sinks = work.resolve("sinks");
        Files.createDirectories(sinks);
        PgTestCluster.chownToPostgres(sinks);
        Path sink = sinks.resolve("app.json");
        Path pgpass = sinks.resolve("pgpass");
        launcher.ok(env(), args("--pg-port", port(), "relate", "add", "app", "--sink-file", sink.toString()));
        launcher.ok(env(), args("--pg-port", port(), "set-password", "--user", "operator", "--pgpass-file",
                pgpass.toString()));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sink))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(pgpass))).isEqualTo("rw-------");
        Matcher m = GENERATED.matcher(Files.readString(sink) + Files.readString(pgpass));
        while (m.find()) {
            generated.add(m.group());
        }
        assertThat(generated).as("generated passwords in the sink and pgpass files").hasSize(2);
        // shown on purpose: excluded from the scan, and a source of secrets for it
        assertThat(launcher.ok(env(), args("--pg-port", port(), "relate", "credentials", "app")))
                .contains(generated.iterator().next());
    }

    @Test
    @Order(3)
    void noSecretInAnythingTheSuitePrinted() throws IOException {
        Path dir = SuiteOutput.dir();
        List<String> blocks = runBlocks(Files.readString(dir.resolve("runs.log"), StandardCharsets.UTF_8));
        List<String> scanned = new ArrayList<>();
        List<String> shown = new ArrayList<>();
        for (String block : blocks) {
            String header = block.lines().findFirst().orElse("");
            (SHOWS_SECRETS.stream().anyMatch(p -> p.matcher(header).find()) ? shown : scanned).add(block);
        }
        Set<String> secrets = secrets(shown);
        List<String> leaks = new ArrayList<>();
        for (String block : scanned) {
            String header = block.lines().findFirst().orElse("");
            String output = block.substring(header.length());
            secrets.stream().filter(output::contains).forEach(s -> leaks.add(mask(s) + " in the output of " + header));
        }
        List<Path> logs = new ArrayList<>();
        for (String sub : List.of("server-logs", "files")) {
            if (Files.isDirectory(dir.resolve(sub))) {
                try (Stream<Path> s = Files.list(dir.resolve(sub))) {
                    logs.addAll(s.toList());
                }
            }
        }
        for (Path log : logs) {
            String text = new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
            secrets.stream().filter(text::contains).forEach(s -> leaks.add(mask(s) + " in " + log));
        }
        System.out.printf("scanned %d pgvault runs and %d log files for %d secrets (%d runs showing passwords on "
                + "purpose excluded)%n", scanned.size(), logs.size(), secrets.size(), shown.size());
        assertThat(scanned.size()).as("pgvault runs recorded").isGreaterThan(3);
        assertThat(logs).as("server logs recorded").isNotEmpty();
        // the detector works: it finds the passwords the excluded runs show on purpose
        assertThat(shown).as("runs that show a password on purpose").isNotEmpty()
                .anyMatch(block -> secrets.stream().anyMatch(block::contains));
        assertThat(leaks).as("secrets found in the suite's output").isEmpty();
    }

    /** Fixed, noted (secrets.txt), generated by this class, and generated passwords the excluded runs showed. */
    private Set<String> secrets(List<String> shownBlocks) throws IOException {
        Set<String> all = new LinkedHashSet<>(KNOWN_SECRETS);
        all.add(PG_PASSWORD);
        Path noted = SuiteOutput.dir().resolve("secrets.txt");
        if (Files.exists(noted)) {
            all.addAll(Files.readAllLines(noted));
        }
        all.addAll(generated);
        for (String block : shownBlocks) {
            Matcher m = GENERATED.matcher(block.substring(block.indexOf('\n') + 1));
            while (m.find()) {
                all.add(m.group());
            }
        }
        all.removeIf(String::isBlank);
        return all;
    }

    private static List<String> runBlocks(String log) {
        List<String> blocks = new ArrayList<>();
        int at = log.indexOf(SuiteOutput.HEADER);
        while (at >= 0) {
            int next = log.indexOf("\n" + SuiteOutput.HEADER, at);
            blocks.add(next < 0 ? log.substring(at) : log.substring(at, next + 1));
            at = next < 0 ? -1 : next + 1;
        }
        return blocks;
    }

    /** Names a leaked secret without printing it whole. */
    private static String mask(String secret) {
        return "secret " + secret.substring(0, 3) + "..(" + secret.length() + " chars)";
    }
}
