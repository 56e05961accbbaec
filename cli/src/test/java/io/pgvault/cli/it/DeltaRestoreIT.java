package io.pgvault.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.manifest.EntryKind;
import io.pgvault.core.manifest.FileEntry;
import io.pgvault.core.pg.PgCtl;
import io.pgvault.core.repo.Json;
import io.pgvault.core.stream.Sha256;
import io.pgvault.core.testing.PgTestCluster;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Delta restore against real servers: a restored copy is changed a little (a few tables updated, the server run and
 * stopped), then restore --delta rewrites exactly the files whose content differs from the backup — counted
 * independently here by walking the manifest — removes what the backup does not have, recovers again to the same
 * data as the original, and passes pg_checksums. Refusals: a running server, a directory that is not a data
 * directory, another cluster's data directory.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeltaRestoreIT {

    private static final String CLUSTER = "delta";

    private Path work;
    private RepoTarget repo;
    private Launcher launcher;
    private PgTestCluster primary;
    private BackupManifest manifest;

    @BeforeAll
    void prepare() throws Exception {
        work = PgTestCluster.workDirectory("pgvault-delta-");
        repo = RepoTarget.filesystem(work);
        launcher = Launcher.get();
        primary = PgTestCluster.start(work, "primary", "archive_mode = on\narchive_command = '" + launcher.bin() + " "
                + repo.archiveArgs(CLUSTER) + " wal-push %p'\n", Map.of());
        ok("--pg-port", Integer.toString(primary.port()), "init");
        PgCtl.Result init = primary.pgCtl().run(List.of(primary.pgCtl().binDir().resolve("pgbench").toString(),
                "-h", "127.0.0.1", "-p", Integer.toString(primary.port()), "-U", "postgres", "-i", "-s", "2", "-q",
                "postgres"), Map.of(), Duration.ofMinutes(3));
        assertThat(init.exitCode()).as(init.output()).isZero();
        // 4 MiB ranges: pgbench_accounts (about 26 MiB) is split, so the delta compares it range by range
        ok("--pg-port", Integer.toString(primary.port()), "--pgdata", primary.pgdata().toString(), "backup",
                "--range-size", "4MiB");
        primary.switchAndAwaitArchived(Duration.ofSeconds(60));
        try (Stream<Path> s = Files.walk(Path.of(repo.url().substring("file://".length()), CLUSTER, "backups"))) {
            Path m = s.filter(p -> p.getFileName().toString().equals("manifest.json")).findFirst().orElseThrow();
            try (InputStream in = Files.newInputStream(m)) {
                manifest = BackupManifest.read(in, m.toString());
            }
        }
    }

    @AfterAll
    void cleanUp() throws Exception {
        if (primary != null) {
            primary.stopImmediately();
        }
        SuiteOutput.keepLogs(work);
        PgTestCluster.deleteTree(work);
    }

    @Test
    void rewritesOnlyWhatChangedAndPassesPgChecksums() throws Exception {
        Path dir = work.resolve("copy");
        int port = PgTestCluster.freePort();
        String first = ok("--pgdata", dir.toString(), "restore", "--archive-mode", "off", "--port",
                Integer.toString(port), "--start", "--wait");
        assertThat(first).contains("and promoted: timeline 2 (branched off timeline 1 at ").contains("replayed up to ")
                .contains("pgvault standby --check");
        PgTestCluster copy = PgTestCluster.existing(dir, port, Map.of());
        try {
            copy.execute("UPDATE pgbench_branches SET bbalance = bbalance + 7",
                    "UPDATE pgbench_tellers SET tbalance = tbalance + 3", "CHECKPOINT");
        } finally {
            copy.stop();
        }
        Set<String> changed = changedFiles(dir);
        Set<String> extra = filesNotInManifest(dir);
        long total = manifest.files().stream().filter(f -> f.kind() == EntryKind.FILE).count();
        assertThat(changed).as("files that differ from the backup").isNotEmpty();
        assertThat(changed.size()).as("changed " + changed).isLessThan((int) (total / 20));

        long start = System.nanoTime();
        JsonNode out = Json.mapper().readTree(ok("--json", "--pgdata", dir.toString(), "restore", "--delta",
                "--archive-mode", "off", "--port", Integer.toString(port), "--start", "--wait"));
        System.out.printf("delta restore of %d files (%d changed, %d extra) and recovery: %.1fs%n", total,
                changed.size(), extra.size(), (System.nanoTime() - start) / 1e9);
        JsonNode delta = out.get("delta");
        assertThat(delta.get("rewritten").asInt()).as(changed.toString()).isEqualTo(changed.size());
        assertThat(delta.get("unchanged").asLong()).isEqualTo(total - changed.size());
        assertThat(delta.get("removed").asInt()).as(extra.toString()).isEqualTo(extra.size());
        assertThat(out.get("files").asInt()).isEqualTo(changed.size());
        assertThat(out.get("server").get("state").asText()).isEqualTo("promoted");
        try {
            assertThat(copy.queryString("SELECT sum(bbalance) || '/' || sum(tbalance) FROM pgbench_branches, "
                    + "pgbench_tellers")).isEqualTo(primary.queryString("SELECT sum(bbalance) || '/' || "
                    + "sum(tbalance) FROM pgbench_branches, pgbench_tellers"));
            assertThat(copy.queryLong("SELECT count(*) FROM pgbench_accounts")).isEqualTo(200_000);
        } finally {
            copy.stop();
        }
        PgCtl.Result check = primary.pgCtl().run(List.of(primary.pgCtl().binDir().resolve("pg_checksums").toString(),
                "--check", "-D", dir.toString()), Map.of(), Duration.ofMinutes(2));
        assertThat(check.exitCode()).as(check.output()).isZero();
        assertThat(check.output()).contains("Bad checksums:  0");
    }

    @Test
    void refusesRunningServerForeignDirectoryAndOtherCluster() throws Exception {
        PgCtl.Result running = run("--pgdata", primary.pgdata().toString(), "restore", "--delta");
        assertThat(running.exitCode()).as(running.output()).isEqualTo(4);
        assertThat(running.output()).contains("is running");

        Path notData = work.resolve("not-data");
        Files.createDirectories(notData);
        Files.writeString(notData.resolve("precious.txt"), "keep me");
        PgTestCluster.chownToPostgres(notData);
        PgTestCluster.chownToPostgres(notData.resolve("precious.txt"));
        PgCtl.Result foreign = run("--pgdata", notData.toString(), "restore", "--delta");
        assertThat(foreign.exitCode()).as(foreign.output()).isEqualTo(4);
        assertThat(foreign.output()).contains("is not a PostgreSQL data directory");
        assertThat(notData.resolve("precious.txt")).hasContent("keep me");

        Path other = work.resolve("other");
        primary.pgCtl().initdb(other, List.of("-k", "-U", "postgres", "--auth=trust", "--no-instructions"));
        long before = countFiles(other);
        PgCtl.Result wrong = run("--pgdata", other.toString(), "restore", "--delta");
        assertThat(wrong.exitCode()).as(wrong.output()).isEqualTo(4);
        assertThat(wrong.output()).contains("belongs to database system").contains(manifest.systemIdentifier());
        assertThat(countFiles(other)).isEqualTo(before);
    }

    /** Manifest files that are missing or whose size or SHA-256 differ, by an independent walk. */
    private Set<String> changedFiles(Path dir) throws Exception {
        Set<String> changed = new java.util.TreeSet<>();
        for (FileEntry f : manifest.files()) {
            if (f.kind() != EntryKind.FILE) {
                continue;
            }
            Path p = dir.resolve(f.path());
            if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) || Files.size(p) != f.size() || !same(f, p)) {
                changed.add(f.path());
            }
        }
        return changed;
    }

    private Set<String> filesNotInManifest(Path dir) throws Exception {
        Set<String> known = manifest.files().stream().map(FileEntry::path).collect(Collectors.toSet());
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                    .map(p -> dir.relativize(p).toString()).filter(p -> !known.contains(p))
                    .collect(Collectors.toCollection(java.util.TreeSet::new));
        }
    }

    /** The file's SHA-256 matches, or for a file split into ranges, each range's. */
    private static boolean same(FileEntry f, Path p) throws Exception {
        if (!f.ranged()) {
            return sha256(p).equals(f.sha256());
        }
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(p)) {
            for (FileEntry part : f.parts()) {
                MessageDigest d = Sha256.newDigest();
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate((int) part.size());
                ch.read(buf, part.chunks().get(0).sourceOffset());
                d.update(buf.array(), 0, buf.position());
                if (!Sha256.hex(d.digest()).equals(part.sha256())) {
                    return false;
                }
            }
        }
        return true;
    }

    private static String sha256(Path p) throws Exception {
        MessageDigest d = Sha256.newDigest();
        try (InputStream in = Files.newInputStream(p)) {
            byte[] buf = new byte[65536];
            int n;
            while ((n = in.read(buf)) > 0) {
                d.update(buf, 0, n);
            }
        }
        return Sha256.hex(d.digest());
    }

    private static long countFiles(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.count();
        }
    }

    private PgCtl.Result run(String... args) {
        List<String> all = new ArrayList<>(repo.args(CLUSTER));
        all.addAll(List.of(args));
        return launcher.run(Map.of(), all.toArray(String[]::new));
    }

    private String ok(String... args) {
        PgCtl.Result r = run(args);
        assertThat(r.exitCode()).as(String.join(" ", args) + "\n" + r.output()).isZero();
        return r.output();
    }
}
