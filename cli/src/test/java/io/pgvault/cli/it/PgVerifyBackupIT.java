package io.pgvault.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgvault.core.pg.PgCtl;
import io.pgvault.core.testing.PgTestCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A restored data directory carries a PostgreSQL-format backup_manifest that PostgreSQL's own pg_verifybackup
 * accepts (tablespace included, restored elsewhere with --tablespace-map), and that makes it name a damaged and a
 * missing relation file.
 */
@Tag("integration")
class PgVerifyBackupIT {

    private static final String CLUSTER = "pgv";

    @Test
    void pgVerifyBackupChecksTheRestoredDirectory() throws Exception {
        Path work = PgTestCluster.workDirectory("pgvault-pgverify-");
        RepoTarget repo = RepoTarget.filesystem(work);
        Launcher launcher = Launcher.get();
        Path location = work.resolve("ts1");
        Files.createDirectories(location);
        PgTestCluster.chownToPostgres(location);
        try (PgTestCluster primary = PgTestCluster.start(work, "primary", "archive_mode = on\narchive_command = '"
                + launcher.bin() + " " + repo.archiveArgs(CLUSTER) + " wal-push %p'\n", Map.of())) {
            ok(launcher, repo, "--pg-port", Integer.toString(primary.port()), "init");
            primary.execute("CREATE TABLESPACE ts1 LOCATION '" + location + "'",
                    "CREATE TABLE near AS SELECT g AS id, md5(g::text) AS h FROM generate_series(1, 40000) g",
                    "CREATE TABLE other AS SELECT g AS id FROM generate_series(1, 1000) g",
                    "CREATE TABLE far (id int, pad text) TABLESPACE ts1",
                    "INSERT INTO far SELECT g, repeat('x', 200) FROM generate_series(1, 5000) g",
                    "CHECKPOINT");
            long oid = primary.queryLong("SELECT oid FROM pg_tablespace WHERE spcname = 'ts1'");
            String near = primary.queryString("SELECT pg_relation_filepath('near')");
            String other = primary.queryString("SELECT pg_relation_filepath('other')");
            String far = primary.queryString("SELECT pg_relation_filepath('far')");
            // 1 MiB ranges: 'near' (about 2.6 MiB) and 'far' are split, so their lines carry combined CRC-32Cs
            ok(launcher, repo, "--pg-port", Integer.toString(primary.port()), "--pgdata", primary.pgdata().toString(),
                    "backup", "--range-size", "1MiB");
            primary.switchAndAwaitArchived(Duration.ofSeconds(60));

            Path restored = work.resolve("restored");
            Path moved = work.resolve("ts1-restored");
            ok(launcher, repo, "--pgdata", restored.toString(), "restore", "--archive-mode", "off",
                    "--tablespace-map", oid + "=" + moved);
            String manifest = Files.readString(restored.resolve("backup_manifest"));
            assertThat(manifest).startsWith("{ \"PostgreSQL-Backup-Manifest-Version\": 1,\n")
                    .contains("\"Path\": \"" + far + "\"").contains("\"Path\": \"backup_label\"")
                    .contains("\"Path\": \"tablespace_map\"");
            assertThat(far).startsWith("pg_tblspc/" + oid + "/");
            assertThat(manifest.lines().filter(l -> l.contains("\"Path\": \"" + near + "\"")).findFirst())
                    .hasValueSatisfying(l -> assertThat(l).contains("\"Checksum-Algorithm\": \"CRC32C\""));
            assertThat(manifest.lines().filter(l -> l.contains("\"Path\": \"" + other + "\"")).findFirst())
                    .hasValueSatisfying(l -> assertThat(l).contains("\"Checksum-Algorithm\": \"SHA256\""));

            PgCtl.Result clean = pgVerifyBackup(restored);
            assertThat(clean.exitCode()).as(clean.output()).isZero();
            assertThat(clean.output()).contains("backup successfully verified");

            Path damaged = restored.resolve(near);
            byte[] bytes = Files.readAllBytes(damaged);
            bytes[bytes.length / 2] ^= 0x01;
            Files.write(damaged, bytes);
            Files.delete(restored.resolve(other));
            PgCtl.Result broken = pgVerifyBackup(restored);
            assertThat(broken.exitCode()).as(broken.output()).isNotZero();
            assertThat(broken.output()).contains("checksum mismatch for file \"" + near + "\"")
                    .contains("\"" + other + "\" is present in the manifest but not on disk")
                    .doesNotContain("\"" + far + "\"");
        } finally {
            PgTestCluster.deleteTree(work);
        }
    }

    /** PostgreSQL 15's pg_verifybackup without WAL parsing (the WAL is in the archive, not in pg_wal). */
    private static PgCtl.Result pgVerifyBackup(Path dir) {
        PgCtl runner = new PgCtl(Path.of("/"), PgTestCluster.OS_USER);
        return runner.run(List.of("/usr/lib/postgresql/15/bin/pg_verifybackup", "-n", dir.toString()), Map.of(),
                Duration.ofMinutes(2));
    }

    private static String ok(Launcher launcher, RepoTarget repo, String... args) {
        List<String> all = new ArrayList<>(repo.args(CLUSTER));
        all.addAll(List.of(args));
        return launcher.ok(Map.of(), all.toArray(String[]::new));
    }
}
