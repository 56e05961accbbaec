package io.pgvault.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgvault.core.testing.PgTestCluster;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Backups validate PostgreSQL page checksums while reading: a healthy cluster reports nothing, and a page corrupted
 * on disk is reported by file and block, in the output and in the manifest.
 */
@Tag("integration")
class PageChecksumIT {

    @Test
    void reportsCorruptPagesByFileAndBlock() throws Exception {
        Path work = PgTestCluster.workDirectory("pgvault-pagecheck-");
        RepoTarget repo = RepoTarget.filesystem(work);
        Launcher launcher = Launcher.get();
        try (PgTestCluster primary = PgTestCluster.start(work, "primary", "archive_mode = on\narchive_command = '"
                + launcher.bin() + " " + repo.archiveArgs("pc") + " wal-push %p'\n", Map.of())) {
            String port = Integer.toString(primary.port());
            launcher.ok(Map.of(), args(repo, "--pg-port", port, "init"));
            primary.execute("CREATE TABLE victim AS SELECT g AS id, repeat('v', 100) AS pad FROM generate_series(1, 5000) g",
                    "CHECKPOINT");
            String rel = primary.queryString("SELECT pg_relation_filepath('victim')");

            String healthy = launcher.ok(Map.of(), args(repo, "--pg-port", port, "--pgdata",
                    primary.pgdata().toString(), "backup"));
            assertThat(healthy).doesNotContain("corrupt page");

            primary.stop();
            try (RandomAccessFile f = new RandomAccessFile(primary.pgdata().resolve(rel).toFile(), "rw")) {
                f.seek(8192 * 2 + 5000);
                int b = f.read();
                f.seek(8192 * 2 + 5000);
                f.write(b ^ 0x40);
            }
            primary.startServer();

            String warned = launcher.ok(Map.of(), args(repo, "--pg-port", port, "--pgdata",
                    primary.pgdata().toString(), "backup"));
            assertThat(warned).contains("corrupt page checksum in " + rel + ": blocks [2]");
            Path backups = Path.of(repo.url().substring("file://".length()), "pc", "backups");
            List<String> manifests;
            try (Stream<Path> s = Files.walk(backups)) {
                manifests = s.filter(p -> p.getFileName().toString().equals("manifest.json")).sorted()
                        .map(p -> {
                            try {
                                return Files.readString(p);
                            } catch (java.io.IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        }).toList();
            }
            assertThat(manifests).hasSize(2);
            assertThat(manifests.get(0)).contains("\"pageErrors\" : [ ]");
            assertThat(manifests.get(1)).containsPattern("\"path\" : \"" + rel + "\",\\s*\"blocks\" : \\[ 2 \\]");
        } finally {
            SuiteOutput.keepLogs(work);
            PgTestCluster.deleteTree(work);
        }
    }

    private static String[] args(RepoTarget repo, String... args) {
        List<String> all = new ArrayList<>(repo.args("pc"));
        all.addAll(List.of(args));
        return all.toArray(String[]::new);
    }
}
