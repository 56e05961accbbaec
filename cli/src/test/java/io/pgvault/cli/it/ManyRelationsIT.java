package io.pgvault.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgvault.core.testing.PgTestCluster;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A database of 20,000 one-row tables (one small relation file each) backed up and restored by pgvault held to a
 * 64 MB heap. It proves that
 * <ul>
 * <li>small files are bundled: the backup stores its ~21,000 files in a handful of data objects (fewer than one per
 * 100 files), and every object the manifest refers to is one the repository holds;</li>
 * <li>memory does not grow with the file count beyond a small record per file: backup and restore both complete with
 * {@code -Xmx64m} (a quarter of the launcher's default heap) where one object, buffer or thread per file would
 * not;</li>
 * <li>restore checks every file: it says "checksums verified", and independently of pgvault, the SHA-256 of every
 * regular file it wrote equals the one the manifest recorded at backup time;</li>
 * <li>the result is a working database: the restored server replays the archive, promotes, and has all 20,000 tables,
 * each with its row.</li>
 * </ul>
 */
@Tag("integration")
class ManyRelationsIT {

    private static final int TABLES = 20_000;
    /** Tables created (and later read back) per transaction: keeps the locks held well inside the default lock table. */
    private static final int BATCH = 1_000;
    private static final Map<String, String> SMALL_HEAP = Map.of("PGVAULT_JAVA_OPTS", "-Xmx64m -XX:+UseSerialGC");
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void twentyThousandRelationsInFewObjectsWithASmallHeap() throws Exception {
        Path work = PgTestCluster.workDirectory("pgvault-manyrel-");
        RepoTarget repo = RepoTarget.filesystem(work);
        Launcher launcher = Launcher.get();
        Path clusterRoot = Path.of(repo.url().substring("file://".length()), "many");
        try (PgTestCluster primary = PgTestCluster.start(work, "primary", "archive_mode = on\narchive_command = '"
                + launcher.bin() + " " + repo.archiveArgs("many") + " wal-push %p'\n", Map.of())) {
            String port = Integer.toString(primary.port());
            launcher.ok(Map.of(), args(repo, "--pg-port", port, "init"));
            for (int from = 1; from <= TABLES; from += BATCH) {
                primary.execute("DO $$ BEGIN FOR i IN " + from + ".." + (from + BATCH - 1) + " LOOP "
                        + "EXECUTE format('CREATE TABLE many_%s (v int)', i); "
                        + "EXECUTE format('INSERT INTO many_%s VALUES (%s)', i, i); END LOOP; END $$");
            }

            String backup = launcher.ok(SMALL_HEAP, args(repo, "--pg-port", port, "--pgdata",
                    primary.pgdata().toString(), "--jobs", "2", "backup"));
            assertThat(backup).as(backup).containsPattern("full backup \\w+ done");
            primary.switchAndAwaitArchived(Duration.ofSeconds(120));

            Path backupDir;
            try (Stream<Path> s = Files.list(clusterRoot.resolve("backups"))) {
                List<Path> ids = s.toList();
                assertThat(ids).hasSize(1);
                backupDir = ids.get(0);
            }
            JsonNode manifest = JSON.readTree(backupDir.resolve("manifest.json").toFile());
            List<JsonNode> files = new ArrayList<>();
            Set<String> referenced = new TreeSet<>();
            for (JsonNode f : manifest.get("files")) {
                if ("FILE".equals(f.get("kind").asText())) {
                    files.add(f);
                    f.get("chunks").forEach(c -> referenced.add(c.get("object").asText()));
                }
            }
            Set<String> stored;
            try (Stream<Path> s = Files.walk(backupDir.resolve("data"))) {
                stored = s.filter(Files::isRegularFile).map(p -> backupDir.relativize(p).toString())
                        .collect(Collectors.toCollection(TreeSet::new));
            }
            System.out.printf("ManyRelationsIT: %d files in the manifest, %d data objects in the repository%n",
                    files.size(), stored.size());
            assertThat(files.size()).isGreaterThan(TABLES);
            assertThat(stored.size()).as("data objects for %d files", files.size()).isLessThan(files.size() / 100);
            assertThat(referenced).isEqualTo(stored);

            Path restored = work.resolve("restored");
            String restore = launcher.ok(SMALL_HEAP, args(repo, "--pgdata", restored.toString(), "--jobs", "2",
                    "restore", "--archive-mode", "off"));
            assertThat(restore).contains("checksums verified").contains(": " + files.size() + " files,");

            // Independently of pgvault's own check: every file restored is byte for byte the file backed up, except
            // postgresql.auto.conf, whose recovery settings restore rewrites by design (pg_verifybackup skips it too).
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[64 * 1024];
            List<String> wrong = new ArrayList<>();
            int compared = 0;
            for (JsonNode f : files) {
                if (f.get("path").asText().equals("postgresql.auto.conf")) {
                    continue;
                }
                compared++;
                sha.reset();
                try (InputStream in = Files.newInputStream(restored.resolve(f.get("path").asText()))) {
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        sha.update(buffer, 0, n);
                    }
                } catch (IOException e) {
                    wrong.add(f.get("path").asText() + ": " + e);
                    continue;
                }
                if (!HexFormat.of().formatHex(sha.digest()).equals(f.get("sha256").asText())) {
                    wrong.add(f.get("path").asText());
                }
            }
            assertThat(wrong).as("restored files whose SHA-256 differs from the manifest").isEmpty();
            assertThat(compared).isEqualTo(files.size() - 1);

            PgTestCluster copy = PgTestCluster.existing(restored, PgTestCluster.freePort(), Map.of());
            Files.writeString(restored.resolve("postgresql.conf"), "\nport = " + copy.port() + "\n",
                    java.nio.file.StandardOpenOption.APPEND);
            copy.startServer();
            try {
                copy.awaitPromotion(Duration.ofMinutes(3));
                assertThat(copy.queryLong("SELECT count(*) FROM pg_class WHERE relkind = 'r' AND relname LIKE 'many\\_%'"))
                        .isEqualTo(TABLES);
                try (Connection c = copy.connect(); Statement st = c.createStatement()) {
                    c.setAutoCommit(false);
                    for (int from = 1; from <= TABLES; from += BATCH) {
                        StringBuilder q = new StringBuilder("SELECT count(*), coalesce(sum(v), 0) FROM (");
                        for (int i = from; i < from + BATCH; i++) {
                            q.append(i == from ? "" : " UNION ALL ").append("SELECT v FROM many_").append(i);
                        }
                        try (ResultSet rs = st.executeQuery(q.append(") t").toString())) {
                            rs.next();
                            long last = from + BATCH - 1L;
                            assertThat(rs.getLong(1)).as("rows of many_%d..%d", from, last).isEqualTo(BATCH);
                            assertThat(rs.getLong(2)).as("sum of many_%d..%d", from, last)
                                    .isEqualTo((from + last) * BATCH / 2);
                        }
                        c.commit();
                    }
                }
            } finally {
                copy.stopImmediately();
            }
        } finally {
            SuiteOutput.keepLogs(work);
            PgTestCluster.deleteTree(work);
        }
    }

    private static String[] args(RepoTarget repo, String... args) {
        List<String> all = new ArrayList<>(repo.args("many"));
        all.addAll(List.of(args));
        return all.toArray(String[]::new);
    }
}
