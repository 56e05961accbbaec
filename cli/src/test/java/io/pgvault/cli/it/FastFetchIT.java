package io.pgvault.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgvault.core.pg.PgCtl;
import io.pgvault.core.testing.PgTestCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The JVM-free restore_command {@code bin/pgvault-wal-fetch} and its prefetcher against a real archive: each segment
 * handed out is byte for byte what `pgvault wal-fetch` gives, the queue never holds more than --fetch-ahead segments,
 * a segment the archive lacks exits 1, history files go the synchronous way, the prefetcher exits by itself and
 * removes what it fetched; and `pgvault restore` writes this restore_command, with which a restored server replays
 * the archive to its end.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FastFetchIT {

    private static final String CLUSTER = "fast";
    private static final int SEGMENTS = 8;

    private Path work;
    private RepoTarget repo;
    private Launcher launcher;
    private PgTestCluster primary;
    private final List<String> archived = new ArrayList<>();
    private long rows;

    @BeforeAll
    void prepare() throws Exception {
        work = PgTestCluster.workDirectory("pgvault-fastfetch-");
        repo = RepoTarget.filesystem(work);
        launcher = Launcher.get();
        primary = PgTestCluster.start(work, "primary", "archive_mode = on\narchive_command = '" + launcher.bin() + " "
                + repo.archiveArgs(CLUSTER) + " wal-push %p'\n", Map.of());
        launcher.ok(Map.of(), args("init"));
        primary.execute("CREATE TABLE t (id int, pad text)");
        launcher.ok(Map.of(), args("--pgdata", primary.pgdata().toString(), "backup"));
        for (int i = 0; i < SEGMENTS; i++) {
            primary.execute("INSERT INTO t SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g");
            archived.add(primary.queryString("SELECT pg_walfile_name(pg_current_wal_lsn())"));
            primary.switchAndAwaitArchived(Duration.ofSeconds(60));
        }
        rows = primary.queryLong("SELECT count(*) FROM t");
    }

    @AfterAll
    void cleanUp() throws Exception {
        if (primary != null) {
            primary.stopImmediately();
        }
        PgTestCluster.deleteTree(work);
    }

    private String[] args(String... extra) {
        List<String> all = new ArrayList<>(repo.args(CLUSTER));
        all.addAll(List.of("--pg-port", Integer.toString(primary.port())));
        all.addAll(Arrays.asList(extra));
        return all.toArray(String[]::new);
    }

    /** Runs bin/pgvault-wal-fetch as postgres. */
    private PgCtl.Result fastFetch(Map<String, String> env, String... scriptArgs) {
        List<String> cmd = new ArrayList<>();
        cmd.add(launcher.bin().resolveSibling("pgvault-wal-fetch").toString());
        cmd.addAll(Arrays.asList(scriptArgs));
        cmd.addAll(repo.args(CLUSTER));
        return new PgCtl(Path.of("/"), PgTestCluster.OS_USER).run(cmd, env, Duration.ofMinutes(2));
    }

    private PgCtl.Result fastFetch(Map<String, String> env, String name, Path dest) {
        List<String> cmd = new ArrayList<>();
        cmd.add(launcher.bin().resolveSibling("pgvault-wal-fetch").toString());
        cmd.addAll(List.of("--fetch-ahead", "3", "--fetch-jobs", "2"));
        cmd.addAll(repo.args(CLUSTER));
        cmd.add(name);
        cmd.add(dest.toString());
        return new PgCtl(Path.of("/"), PgTestCluster.OS_USER).run(cmd, env, Duration.ofMinutes(2));
    }

    private static List<Path> segmentsIn(Path queue) throws IOException {
        try (Stream<Path> s = Files.list(queue)) {
            return s.filter(p -> p.getFileName().toString().matches("[0-9A-F]{24}")).toList();
        }
    }

    @Test
    void handsOutVerifiedSegmentsFromTheQueue() throws Exception {
        Path pgwal = work.resolve("fake-pg_wal");
        Files.createDirectories(pgwal);
        PgTestCluster.chownToPostgres(pgwal);
        Path queue = pgwal.resolve("pgvault-prefetch");
        Map<String, String> env = Map.of("PGVAULT_IDLE_EXIT", "10");

        for (String name : archived) {
            Path dest = pgwal.resolve("RECOVERYXLOG");
            PgCtl.Result r = fastFetch(env, name, dest);
            assertThat(r.exitCode()).as(r.output()).isZero();
            Path reference = work.resolve("reference-" + name);
            launcher.ok(Map.of(), args("wal-fetch", name, reference.toString()));
            assertThat(Files.mismatch(dest, reference)).as(name).isEqualTo(-1L);
            Files.delete(dest);
            assertThat(segmentsIn(queue).size()).as("queue holds at most --fetch-ahead segments")
                    .isLessThanOrEqualTo(3);
        }
        // the segment after the last one archived: not in the archive, the normal end of recovery. (Not
        // pg_walfile_name(pg_current_wal_lsn()): right after a switch, before any new record, the current LSN is
        // the segment's first byte, which pg_walfile_name names as the previous, archived segment.)
        String next = io.pgvault.core.pg.WalSegmentName.parse(archived.get(archived.size() - 1),
                new io.pgvault.core.pg.WalSegmentSize(16L * 1024 * 1024)).next().fileName();
        PgCtl.Result missing = fastFetch(env, next, pgwal.resolve("RECOVERYXLOG"));
        assertThat(missing.exitCode()).as(missing.output()).isEqualTo(1);
        assertThat(pgwal.resolve("RECOVERYXLOG")).doesNotExist();

        // history files go straight to `pgvault wal-fetch`: exit 1, not in the archive
        PgCtl.Result history = fastFetch(env, "00000007.history", pgwal.resolve("RECOVERYHISTORY"));
        assertThat(history.exitCode()).as(history.output()).isEqualTo(1);

        // bad arguments: usage errors, nothing started
        assertThat(fastFetch(env, "--wait", "soon", "x", "y").exitCode()).isEqualTo(2);

        // idle: the prefetcher exits and removes what it fetched ahead
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (Files.exists(queue.resolve("prefetch.pid")) && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(queue.resolve("prefetch.pid")).as("prefetcher exited").doesNotExist();
        assertThat(segmentsIn(queue)).isEmpty();
        String log = Files.readString(queue.resolve("prefetch.log"));
        assertThat(log).doesNotContain("failed");
        // every segment handed out came through a prefetcher (one, or several when a slow machine let one go idle)
        long downloaded = java.util.regex.Pattern.compile("; ([0-9]+) segments downloaded").matcher(log).results()
                .mapToLong(m -> Long.parseLong(m.group(1))).sum();
        assertThat(downloaded).as(log).isGreaterThanOrEqualTo(SEGMENTS);
    }

    @Test
    void restoreWritesTheFastRestoreCommandAndReplaysTheArchive() throws Exception {
        Path dir = work.resolve("restored");
        int port = PgTestCluster.freePort();
        launcher.ok(Map.of(), args("--pgdata", dir.toString(), "restore", "--archive-mode", "off", "--port",
                Integer.toString(port), "--start", "--wait"));
        try (PgTestCluster copy = PgTestCluster.existing(dir, port, Map.of())) {
            assertThat(copy.queryLong("SELECT count(*) FROM t")).isEqualTo(rows);
            assertThat(Files.readString(dir.resolve("postgresql.auto.conf")))
                    .contains("restore_command = '" + launcher.bin().resolveSibling("pgvault-wal-fetch"));
            Path log = dir.resolve("pg_wal/pgvault-prefetch/prefetch.log");
            assertThat(log).exists();
            assertThat(Files.readString(log)).doesNotContain("failed");
        }
    }
}
