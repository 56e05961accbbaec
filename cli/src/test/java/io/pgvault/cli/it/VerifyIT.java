package io.pgvault.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgvault.core.pg.PgCtl;
import io.pgvault.core.testing.PgTestCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** verify re-reads everything: healthy repository exits 0; a damaged object and a missing WAL segment are named. */
@Tag("integration")
class VerifyIT {

    @Test
    void findsDamagedAndMissingObjects() throws Exception {
        Path work = PgTestCluster.workDirectory("pgvault-verify-");
        RepoTarget repo = RepoTarget.filesystem(work);
        Launcher launcher = Launcher.get();
        Path root = Path.of(repo.url().substring("file://".length()), "v");
        try (PgTestCluster primary = PgTestCluster.start(work, "primary", "archive_mode = on\narchive_command = '"
                + launcher.bin() + " " + repo.archiveArgs("v") + " wal-push %p'\n", Map.of())) {
            ok(launcher, repo, "--pg-port", Integer.toString(primary.port()), "init");
            primary.execute("CREATE TABLE t AS SELECT g AS id, md5(g::text) AS h FROM generate_series(1, 50000) g");
            // 1 MiB ranges: t (about 3.3 MiB) is stored as ranges f1.0.zst, f1.1.zst, ... checked one by one
            ok(launcher, repo, "--pg-port", Integer.toString(primary.port()), "--pgdata", primary.pgdata().toString(),
                    "backup", "--range-size", "1MiB");
            primary.switchAndAwaitArchived(Duration.ofSeconds(60));

            String healthy = ok(launcher, repo, "verify");
            assertThat(healthy).startsWith("healthy: 1 backups").contains(", 0 problems");

            Path bundle = only(root.resolve("backups"), "b1.zst");
            byte[] data = Files.readAllBytes(bundle);
            data[data.length / 2] ^= 0x10;
            Files.write(bundle, data);
            Path range = only(root.resolve("backups"), "f1.1.zst");
            byte[] rangeData = Files.readAllBytes(range);
            rangeData[rangeData.length / 2] ^= 0x10;
            Files.write(range, rangeData);
            String id = bundle.getParent().getParent().getFileName().toString();
            String startWal = manifestField(root.resolve("backups/" + id + "/manifest.json"), "startWal");
            Path segment = only(root.resolve("wal"), startWal + ".zst");
            Files.delete(segment);

            PgCtl.Result damaged = launcher.run(Map.of(), args(repo, "verify"));
            assertThat(damaged.exitCode()).as(damaged.output()).isEqualTo(9);
            assertThat(damaged.output()).contains("DAMAGED " + root.getParent().relativize(bundle).toString()
                    .replace("\\", "/")).contains("DAMAGED " + root.getParent().relativize(range).toString())
                    .contains("WAL segment " + startWal + " it needs is missing")
                    .contains("damaged: 1 backups");

            PgCtl.Result one = launcher.run(Map.of(), args(repo, "verify", "--backup", id));
            assertThat(one.exitCode()).isEqualTo(9);

            Path restored = work.resolve("restored");
            PgCtl.Result restore = launcher.run(Map.of(), args(repo, "--pgdata", restored.toString(), "restore",
                    "--backup", id, "--target", "immediate"));
            assertThat(restore.exitCode()).as(restore.output()).isIn(9);
        } finally {
            SuiteOutput.keepLogs(work);
            PgTestCluster.deleteTree(work);
        }
    }

    private static String manifestField(Path manifest, String field) throws IOException {
        String json = Files.readString(manifest);
        int at = json.indexOf("\"" + field + "\" : \"") + field.length() + 6;
        return json.substring(at, json.indexOf('"', at));
    }

    private static Path only(Path dir, String name) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            List<Path> found = s.filter(p -> p.getFileName().toString().equals(name)).toList();
            assertThat(found).as(name + " under " + dir).hasSize(1);
            return found.get(0);
        }
    }

    private static String[] args(RepoTarget repo, String... args) {
        List<String> all = new ArrayList<>(repo.args("v"));
        all.addAll(List.of(args));
        return all.toArray(String[]::new);
    }

    private static String ok(Launcher launcher, RepoTarget repo, String... args) {
        return launcher.ok(Map.of(), args(repo, args));
    }
}
