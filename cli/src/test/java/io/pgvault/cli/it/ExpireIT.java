package io.pgvault.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgvault.core.pg.Lsn;
import io.pgvault.core.pg.PgCtl;
import io.pgvault.core.pg.WalSegmentName;
import io.pgvault.core.pg.WalSegmentSize;
import io.pgvault.core.repo.Json;
import io.pgvault.core.testing.PgTestCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Retention end to end on a filesystem repository: four full backups with WAL between them; a dry run changes
 * nothing; --retain-full 2 removes the two oldest backups and the WAL before the third; verify stays healthy; PITR
 * inside the remaining window restores exactly; a target before it is refused; a pinned backup survives.
 */
@Tag("integration")
class ExpireIT {

    private static final String CLUSTER = "exp";

    @Test
    void expiresByCountKeepsPinsAndTheWindow() throws Exception {
        Path work = PgTestCluster.workDirectory("pgvault-expire-");
        RepoTarget repo = RepoTarget.filesystem(work);
        Launcher launcher = Launcher.get();
        Path repoRoot = Path.of(repo.url().substring("file://".length()));
        Path root = repoRoot.resolve(CLUSTER);
        try (PgTestCluster primary = PgTestCluster.start(work, "primary", "archive_mode = on\narchive_command = '"
                + launcher.bin() + " " + repo.archiveArgs(CLUSTER) + " wal-push %p'\n", Map.of())) {
            ok(launcher, repo, "--pg-port", Integer.toString(primary.port()), "init");
            LedgerWriter.createTable(primary);
            List<Instant> afterBatch = new ArrayList<>();
            for (int k = 1; k <= 4; k++) {
                ok(launcher, repo, "--pg-port", Integer.toString(primary.port()), "--pgdata",
                        primary.pgdata().toString(), "backup");
                primary.execute("INSERT INTO ledger (id) SELECT g FROM generate_series(" + ((k - 1) * 10 + 1) + ", "
                        + k * 10 + ") g");
                afterBatch.add(Instant.now());
                Thread.sleep(1500);
                primary.execute("SELECT pg_switch_wal()");
            }
            primary.switchAndAwaitArchived(Duration.ofSeconds(60));

            PgCtl.Result noPolicy = launcher.run(Map.of(), args(repo, "expire"));
            assertThat(noPolicy.exitCode()).as(noPolicy.output()).isEqualTo(3);
            assertThat(noPolicy.output()).contains("no retention set: give --retain-full N");

            List<JsonNode> backups = list(launcher, repo);
            assertThat(backups).hasSize(4);
            List<String> ids = backups.stream().map(b -> b.get("id").asText()).toList();
            Lsn cutoff = Lsn.parse(backups.get(2).get("startLsn").asText());
            TreeSet<String> walBefore = walFiles(root);
            TreeSet<String> expiredWal = new TreeSet<>(walBefore.stream().filter(n -> !n.endsWith(".history")
                    && WalSegmentName.parse(n.substring(0, 24), WalSegmentSize.DEFAULT).endLsn().compareTo(cutoff) <= 0)
                    .toList());
            assertThat(expiredWal).as("WAL before the third backup").hasSizeGreaterThanOrEqualTo(4);

            Map<String, String> filesBefore = snapshot(repoRoot);
            String dry = ok(launcher, repo, "expire", "--retain-full", "2", "--dry-run");
            assertThat(dry).contains("expire? " + ids.get(0)).contains("expire? " + ids.get(1))
                    .contains("keep    " + ids.get(2) + "  one of the 2 newest full backups")
                    .contains("dry run: would remove 2 backups and " + expiredWal.size() + " WAL files")
                    .contains("recoverable window afterwards: ");
            assertThat(snapshot(repoRoot)).as("a dry run changes nothing").isEqualTo(filesBefore);

            String expired = ok(launcher, repo, "expire", "--retain-full", "2");
            assertThat(expired).contains("expired " + ids.get(0)).contains("removed 2 backups and "
                    + expiredWal.size() + " WAL files");
            assertThat(list(launcher, repo).stream().map(b -> b.get("id").asText()).toList())
                    .containsExactly(ids.get(2), ids.get(3));
            try (Stream<Path> files = Files.walk(root.resolve("backups"))) {
                // the filesystem store may leave empty directories; no object of an expired backup remains
                assertThat(files.filter(Files::isRegularFile).map(p -> root.resolve("backups").relativize(p)
                        .getName(0).toString()).distinct().toList()).containsExactlyInAnyOrder(ids.get(2), ids.get(3));
            }
            TreeSet<String> walAfter = walFiles(root);
            TreeSet<String> expectedAfter = new TreeSet<>(walBefore);
            expectedAfter.removeAll(expiredWal);
            assertThat(walAfter).isEqualTo(expectedAfter).contains(backups.get(2).get("startWal").asText());
            assertThat(ok(launcher, repo, "verify")).startsWith("healthy: 2 backups").contains(", 0 problems");

            // inside the remaining window: after ledger batch 3 (taken after the third backup), before the fourth
            String inside = afterBatch.get(2).plusMillis(700).atOffset(ZoneOffset.UTC).toString();
            restoreAndCount(launcher, repo, work.resolve("restore-inside"), inside, 30);
            String before = afterBatch.get(0).plusMillis(700).atOffset(ZoneOffset.UTC).toString();
            PgCtl.Result refused = launcher.run(Map.of(), args(repo, "--pgdata", work.resolve("restore-old")
                    .toString(), "restore", "--target-time", before));
            assertThat(refused.exitCode()).as(refused.output()).isEqualTo(4);
            assertThat(refused.output()).contains("is before the recoverable window, which starts at");
            assertThat(work.resolve("restore-old")).doesNotExist();

            assertThat(ok(launcher, repo, "pin", ids.get(2))).contains("backup " + ids.get(2) + " is now pinned");
            assertThat(list(launcher, repo).get(0).get("pinned").asBoolean()).isTrue();
            assertThat(ok(launcher, repo, "list")).contains("pinned");
            String pinned = ok(launcher, repo, "expire", "--retain-full", "1");
            assertThat(pinned).contains("keep    " + ids.get(2) + "  pinned").contains("removed 0 backups");
            assertThat(list(launcher, repo)).hasSize(2);

            assertThat(ok(launcher, repo, "unpin", ids.get(2))).contains("is now unpinned");
            JsonNode plan = Json.mapper().readTree(ok(launcher, repo, "--json", "expire", "--retain-full", "1",
                    "--dry-run"));
            assertThat(plan.get("dryRun").asBoolean()).isTrue();
            assertThat(plan.get("expiredBackups").get(0).asText()).isEqualTo(ids.get(2));
            assertThat(plan.get("window").get("earliest").asText()).isNotBlank();
            assertThat(list(launcher, repo)).hasSize(2);
        } finally {
            PgTestCluster.deleteTree(work);
        }
    }

    /** Restores to a time, starts the copy and checks the ledger holds exactly rows 1..expected. */
    private static void restoreAndCount(Launcher launcher, RepoTarget repo, Path dir, String time, long expected)
            throws Exception {
        ok(launcher, repo, "--pgdata", dir.toString(), "restore", "--archive-mode", "off", "--target-time", time);
        int port = PgTestCluster.freePort();
        Files.writeString(dir.resolve("postgresql.auto.conf"), "port = " + port + "\n", StandardOpenOption.APPEND);
        try (PgTestCluster copy = PgTestCluster.existing(dir, port, Map.of())) {
            copy.startServer();
            copy.awaitPromotion(Duration.ofMinutes(2));
            assertThat(copy.queryString("SELECT count(*) || '/' || max(id) FROM ledger"))
                    .as("ledger after restore to " + time).isEqualTo(expected + "/" + expected);
        }
    }

    private static List<JsonNode> list(Launcher launcher, RepoTarget repo) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        Json.mapper().readTree(ok(launcher, repo, "--json", "list")).forEach(out::add);
        return out;
    }

    /** Archived WAL file names (without the codec extension). */
    private static TreeSet<String> walFiles(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root.resolve("wal"))) {
            return s.filter(Files::isRegularFile).map(p -> p.getFileName().toString())
                    .map(n -> n.substring(0, n.lastIndexOf('.')))
                    .collect(java.util.stream.Collectors.toCollection(TreeSet::new));
        }
    }

    /** Every file of the repository with its size and modification time. */
    private static Map<String, String> snapshot(Path repoRoot) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(repoRoot)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                out.put(repoRoot.relativize(p).toString(), Files.isDirectory(p) ? "dir"
                        : Files.size(p) + "@" + Files.getLastModifiedTime(p).toMillis());
            }
        }
        return out;
    }

    private static String[] args(RepoTarget repo, String... args) {
        List<String> all = new ArrayList<>(repo.args(CLUSTER));
        all.addAll(List.of(args));
        return all.toArray(String[]::new);
    }

    private static String ok(Launcher launcher, RepoTarget repo, String... args) {
        return launcher.ok(Map.of(), args(repo, args));
    }
}
