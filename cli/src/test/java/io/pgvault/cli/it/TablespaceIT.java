package io.pgvault.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgvault.core.pg.PgCtl;
import io.pgvault.core.testing.PgTestCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A tablespace is backed up and restored (to another directory with --tablespace-map), and its data comes back. */
@Tag("integration")
class TablespaceIT {

    @Test
    void backsUpAndRestoresTablespaces() throws Exception {
        Path work = PgTestCluster.workDirectory("pgvault-tblspc-");
        RepoTarget repo = RepoTarget.filesystem(work);
        Launcher launcher = Launcher.get();
        Path location = work.resolve("ts1");
        Files.createDirectories(location);
        PgTestCluster.chownToPostgres(location);
        try (PgTestCluster primary = PgTestCluster.start(work, "primary", "archive_mode = on\narchive_command = '"
                + launcher.bin() + " " + repo.archiveArgs("ts") + " wal-push %p'\n", Map.of())) {
            run(launcher, repo, "--pg-port", Integer.toString(primary.port()), "init");
            primary.execute("CREATE TABLESPACE ts1 LOCATION '" + location + "'",
                    "CREATE TABLE far (id int, pad text) TABLESPACE ts1",
                    "INSERT INTO far SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g");
            long oid = primary.queryLong("SELECT oid FROM pg_tablespace WHERE spcname = 'ts1'");
            run(launcher, repo, "--pg-port", Integer.toString(primary.port()), "--pgdata", primary.pgdata().toString(),
                    "backup");
            String list = run(launcher, repo, "list");
            assertThat(list).contains("full");
            primary.switchAndAwaitArchived(Duration.ofSeconds(60));

            Path restored = work.resolve("restored");
            PgCtl.Result refused = launcher.run(Map.of(), args(repo, "--pgdata", restored.toString(), "restore"));
            assertThat(refused.exitCode()).as(refused.output()).isEqualTo(4);
            assertThat(refused.output()).contains("tablespace directory of ts1").contains("is not empty");
            assertThat(restored).doesNotExist();

            Path moved = work.resolve("ts1-restored");
            run(launcher, repo, "--pgdata", restored.toString(), "restore", "--archive-mode", "off",
                    "--tablespace-map", oid + "=" + moved);
            assertThat(Files.readSymbolicLink(restored.resolve("pg_tblspc/" + oid))).isEqualTo(moved);
            assertThat(Files.readString(restored.resolve("tablespace_map"))).contains(moved.toString());
            int port = PgTestCluster.freePort();
            Files.writeString(restored.resolve("postgresql.auto.conf"), "port = " + port + "\n",
                    StandardOpenOption.APPEND);
            try (PgTestCluster copy = PgTestCluster.existing(restored, port, Map.of())) {
                copy.startServer();
                copy.awaitPromotion(Duration.ofMinutes(2));
                assertThat(copy.queryLong("SELECT count(*) FROM far")).isEqualTo(20000);
                assertThat(copy.queryString("SELECT pg_tablespace_location(" + oid + ")")).isEqualTo(moved.toString());
            }
        } finally {
            SuiteOutput.keepLogs(work);
            PgTestCluster.deleteTree(work);
        }
    }

    private static String[] args(RepoTarget repo, String... args) {
        List<String> all = new ArrayList<>(repo.args("ts"));
        all.addAll(List.of(args));
        return all.toArray(String[]::new);
    }

    private static String run(Launcher launcher, RepoTarget repo, String... args) {
        return launcher.ok(Map.of(), args(repo, args));
    }
}
