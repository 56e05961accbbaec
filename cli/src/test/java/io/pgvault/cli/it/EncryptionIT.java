package io.pgvault.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgvault.core.pg.PgCtl;
import io.pgvault.core.testing.PgTestCluster;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * An encrypted filesystem repository end to end: init --encrypt, backups under load with WAL archived by
 * archive_command, PITR restores checked row by row, a scan of every stored object for known plaintext, wrong and
 * missing passphrases, and a passphrase change. Then one encrypted backup and restore on S3.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EncryptionIT {

    static final String PASSPHRASE = "it passphrase: correct horse battery";
    static final String NEW_PASSPHRASE = "the new passphrase of 2026";
    private static final String MARKER = "pgvault-plaintext-marker-7f3a9c";

    private Path work;
    private Path repoDir;
    private RepoTarget target;
    private PitrScenario scenario;
    private Launcher launcher;
    private String backupLabelLine;

    /** The target's environment with encryption on; no compression, so any plaintext would show as is. */
    private static RepoTarget encrypted(RepoTarget base, Map<String, String> passphrase) {
        Map<String, String> env = new HashMap<>(base.env());
        env.putAll(passphrase);
        env.put("PGVAULT_ENCRYPT", "true");
        env.put("PGVAULT_COMPRESS", "none");
        return new RepoTarget(base.name(), base.url(), base.options(), Map.copyOf(env));
    }

    @BeforeAll
    void prepare() throws Exception {
        launcher = Launcher.get();
        work = PgTestCluster.workDirectory("pgvault-encryption-");
        repoDir = work.resolve("repo");
        target = encrypted(RepoTarget.filesystem(work), Map.of("PGVAULT_PASSPHRASE", PASSPHRASE));
        scenario = new PitrScenario(target, work);
        scenario.prepare(Duration.ofSeconds(15));
        // a marker in a table, in a backup and in archived WAL
        PgTestCluster primary = scenario.primary();
        primary.execute("CREATE TABLE markers (t text)", "INSERT INTO markers SELECT '" + MARKER
                + "' || g FROM generate_series(1, 50) g", "CHECKPOINT");
        scenario.ok("--pg-port", Integer.toString(primary.port()), "--pgdata", primary.pgdata().toString(),
                "backup");
        primary.switchAndAwaitArchived(Duration.ofSeconds(120));
        backupLabelLine = "START WAL LOCATION";
    }

    @AfterAll
    void cleanUp() throws Exception {
        if (scenario != null) {
            scenario.close();
        }
        PgTestCluster.deleteTree(work);
    }

    private PgCtl.Result run(Map<String, String> env, String... args) {
        return launcher.run(env, scenario.pgvault(args).toArray(String[]::new));
    }

    private static Map<String, String> envWith(Map<String, String> base, String key, String value) {
        Map<String, String> env = new HashMap<>(base);
        env.remove("PGVAULT_PASSPHRASE");
        env.remove("PGVAULT_PASSPHRASE_FILE");
        if (key != null) {
            env.put(key, value);
        }
        return env;
    }

    /** One line naming the passphrase, exit 16, quickly. */
    private static void assertKeyError(PgCtl.Result r, String expected) {
        assertThat(r.exitCode()).as(r.output()).isEqualTo(16);
        assertThat(r.output().strip().lines().filter(l -> l.startsWith("pgvault:")).count()).as(r.output())
                .isEqualTo(1);
        assertThat(r.output()).contains(expected).doesNotContain(PASSPHRASE);
    }

    @Test
    @Order(1)
    void restoresEncryptedBackupsToPitrTargets() throws Exception {
        assertThat(scenario.ok("info")).contains("encryption on");
        List<PitrScenario.Target> targets = new ArrayList<>(scenario.timeTargets(2));
        targets.add(scenario.endOfArchive());
        int n = 0;
        for (PitrScenario.Target t : targets) {
            scenario.restoreAndCheck(t, ++n);
        }
        assertThat(scenario.ok("verify")).contains(" 0 problems");
    }

    @Test
    @Order(2)
    void noStoredObjectHoldsKnownPlaintext() throws Exception {
        byte[] sysidLe = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(Long.parseUnsignedLong(scenario.primary().queryString(
                        "SELECT system_identifier::text FROM pg_control_system()"))).array();
        List<byte[]> needles = List.of(MARKER.getBytes(StandardCharsets.UTF_8),
                backupLabelLine.getBytes(StandardCharsets.UTF_8), "PG_VERSION".getBytes(StandardCharsets.UTF_8),
                "pg_control".getBytes(StandardCharsets.UTF_8), "base/1/".getBytes(StandardCharsets.UTF_8), sysidLe);
        // the needles are found in the cluster's own files: the scan can see plaintext where there is some
        Path wal = Files.list(scenario.primary().pgdata().resolve("pg_wal"))
                .filter(p -> p.getFileName().toString().matches("[0-9A-F]{24}")).findFirst().orElseThrow();
        assertThat(indexOf(Files.readAllBytes(wal), sysidLe)).isGreaterThanOrEqualTo(0);

        int scanned = 0;
        List<Path> files;
        try (Stream<Path> s = Files.walk(repoDir)) {
            files = s.filter(Files::isRegularFile).toList();
        }
        for (Path f : files) {
            String rel = repoDir.relativize(f).toString();
            if (rel.endsWith("cluster.json") || rel.contains("/locks/")) {
                continue; // stays readable by design: binding and key check, lock owners
            }
            byte[] content;
            try {
                content = Files.readAllBytes(f);
            } catch (java.nio.file.NoSuchFileException gone) {
                // the running cluster archives on: a temp file committed (renamed) since the walk; its object
                // is scanned when the walk saw it, or by the next run
                continue;
            }
            for (byte[] needle : needles) {
                assertThat(indexOf(content, needle)).as("%s holds '%s'", rel,
                        new String(needle, StandardCharsets.ISO_8859_1)).isEqualTo(-1);
            }
            scanned++;
        }
        assertThat(files.stream().filter(f -> f.toString().contains("/wal/")).count()).isGreaterThan(5);
        assertThat(files.stream().filter(f -> f.toString().endsWith("manifest.json")).count()).isEqualTo(3);
        assertThat(scanned).isGreaterThan(10);
        String cluster = Files.readString(repoDir.resolve("pitr/cluster.json"));
        assertThat(cluster).contains("\"keyCheck\"", "PBKDF2WithHmacSHA256", "\"wrappedMasterKey\"");
    }

    @Test
    @Order(3)
    void wrongOrMissingPassphraseFailsAtOnceWithOneLine() throws Exception {
        Map<String, String> wrong = envWith(target.env(), "PGVAULT_PASSPHRASE", "not the passphrase");
        assertKeyError(run(wrong, "list"), "passphrase is wrong");
        Path dest = work.resolve("refused-restore");
        assertKeyError(run(wrong, "--pgdata", dest.toString(), "restore"), "passphrase is wrong");
        assertThat(dest).doesNotExist();
        Path fetched = work.resolve("fetched-wal");
        assertKeyError(run(wrong, "wal-fetch", "000000010000000000000001", fetched.toString()),
                "passphrase is wrong");
        assertThat(fetched).doesNotExist();
        assertKeyError(run(envWith(target.env(), null, null), "list"), "PGVAULT_PASSPHRASE");
    }

    @Test
    @Order(4)
    void passphraseChangeKeepsDataAndSwitchesKeys() throws Exception {
        Path newFile = work.resolve("new-passphrase");
        Files.writeString(newFile, NEW_PASSPHRASE + "\n");
        Files.setPosixFilePermissions(newFile, PosixFilePermissions.fromString("rw-r--r--"));
        PgTestCluster.chownToPostgres(newFile);
        PgCtl.Result open = run(target.env(), "passphrase", "change", "--new-passphrase-file", newFile.toString());
        assertThat(open.exitCode()).as(open.output()).isEqualTo(3);
        assertThat(open.output()).contains("chmod 600");
        Files.setPosixFilePermissions(newFile, PosixFilePermissions.fromString("rw-------"));

        Map<Path, Long> before = sizesOutsideClusterJson();
        scenario.ok("passphrase", "change", "--new-passphrase-file", newFile.toString());
        // nothing stored is rewritten (the running server may archive another WAL file meanwhile)
        assertThat(sizesOutsideClusterJson()).containsAllEntriesOf(before);

        assertKeyError(run(target.env(), "list"), "passphrase is wrong");
        Map<String, String> viaFile = envWith(target.env(), "PGVAULT_PASSPHRASE_FILE", newFile.toString());
        scenario.restoreAndCheck(scenario.endOfArchive(), 10, viaFile);
    }

    /** archive_command = pgvault-wal-push with the agent's spool: the JVM-free path archives encrypted WAL. */
    @Test
    @Order(5)
    void agentSpoolFastPathArchivesEncryptedWal() throws Exception {
        Path passFile = work.resolve("new-passphrase"); // the current one, after the change above
        Map<String, String> env = envWith(target.env(), "PGVAULT_PASSPHRASE_FILE", passFile.toString());
        Path spool = Files.createDirectories(work.resolve("spool"));
        Path state = Files.createDirectories(work.resolve("agent-state"));
        PgTestCluster.chownToPostgres(spool);
        PgTestCluster.chownToPostgres(state);
        String archive = "archive_mode = on\narchive_command = '" + launcher.bin().resolveSibling("pgvault-wal-push")
                + " --spool " + spool + " --wait 60 " + target.archiveArgs("spooled") + " %p'\n";
        PgTestCluster server = PgTestCluster.start(work, "spooled", archive, env);
        Process agent = null;
        try {
            List<String> common = new ArrayList<>(target.args("spooled"));
            common.addAll(List.of("--pg-port", Integer.toString(server.port()), "--pgdata",
                    server.pgdata().toString()));
            List<String> init = new ArrayList<>(common);
            init.add("init");
            launcher.ok(env, init.toArray(String[]::new));
            List<String> cmd = new ArrayList<>();
            if (PgCtl.isRoot()) {
                cmd.addAll(List.of("runuser", "-u", PgTestCluster.OS_USER, "--"));
            }
            cmd.add(launcher.bin().toString());
            cmd.addAll(common);
            cmd.addAll(List.of("agent", "--spool", spool.toString(), "--state-dir", state.toString()));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(work.resolve("agent.log").toFile());
            pb.environment().putAll(env);
            agent = pb.start();
            server.execute("CREATE TABLE spooled (t text)");
            for (int i = 0; i < 3; i++) {
                server.execute("INSERT INTO spooled SELECT '" + MARKER + "' FROM generate_series(1, 1000)");
                server.switchAndAwaitArchived(Duration.ofSeconds(180));
            }
            // the agent pushed ahead (its .ok files go once PostgreSQL marks the segments done)
            com.fasterxml.jackson.databind.JsonNode status = io.pgvault.core.repo.Json.mapper()
                    .readTree(state.resolve("agent-spooled.json").toFile());
            assertThat(status.path("archiver").path("pushed").asLong())
                    .as(Files.readString(work.resolve("agent.log"))).isPositive();
            String name;
            try (Stream<Path> s = Files.walk(repoDir.resolve("spooled/wal"))) {
                name = s.map(p -> p.getFileName().toString()).filter(n -> n.matches("[0-9A-F]{24}\\..*"))
                        .map(n -> n.substring(0, 24)).sorted().findFirst().orElseThrow();
            }
            Path fetched = work.resolve("spooled-fetched");
            List<String> fetch = new ArrayList<>(target.args("spooled"));
            fetch.addAll(List.of("wal-fetch", name, fetched.toString()));
            launcher.ok(env, fetch.toArray(String[]::new));
            assertThat(Files.size(fetched)).isEqualTo(16L * 1024 * 1024);
            try (Stream<Path> s = Files.walk(repoDir.resolve("spooled/wal"))) {
                for (Path f : s.filter(Files::isRegularFile).toList()) {
                    assertThat(indexOf(Files.readAllBytes(f), MARKER.getBytes(StandardCharsets.UTF_8)))
                            .as(f.toString()).isEqualTo(-1);
                }
            }
        } finally {
            if (agent != null) {
                Path pid = spool.resolve("agent.pid"); // the agent itself, not runuser in front of it
                if (Files.exists(pid)) {
                    new PgCtl(Path.of("/"), null).run(List.of("kill", "-TERM", Files.readString(pid).strip()),
                            Map.of(), Duration.ofSeconds(30));
                }
                agent.destroy();
                agent.waitFor(60, java.util.concurrent.TimeUnit.SECONDS);
            }
            server.stopImmediately();
        }
    }

    @Test
    @Order(6)
    void s3BackupAndRestoreEncrypted() throws Exception {
        Path s3Work = PgTestCluster.workDirectory("pgvault-encryption-s3-");
        try (PitrScenario s3 = new PitrScenario(encrypted(RepoTarget.s3(),
                Map.of("PGVAULT_PASSPHRASE", PASSPHRASE)), s3Work)) {
            s3.prepare(Duration.ofSeconds(10));
            assertThat(s3.ok("info")).contains("encryption on");
            s3.restoreAndCheck(s3.endOfArchive(), 1);
        } finally {
            PgTestCluster.deleteTree(s3Work);
        }
    }

    private Map<Path, Long> sizesOutsideClusterJson() throws IOException {
        Map<Path, Long> sizes = new HashMap<>();
        try (Stream<Path> s = Files.walk(repoDir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                if (!p.toString().contains("cluster.json") && !p.toString().contains("/locks/")) {
                    sizes.put(p, Files.getLastModifiedTime(p).toMillis() * 1_000_000_000L + Files.size(p));
                }
            }
        }
        return sizes;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
