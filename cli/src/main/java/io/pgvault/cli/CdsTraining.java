package io.pgvault.cli;

import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.manifest.FileEntry;
import io.pgvault.core.pg.Lsn;
import io.pgvault.core.pg.TimelineId;
import io.pgvault.core.repo.BackupId;
import io.pgvault.core.repo.ClusterInfo;
import io.pgvault.core.repo.Repository;
import io.pgvault.core.stream.Codec;
import io.pgvault.storage.fs.FsStorage;
import io.pgvault.storage.fs.FsStorageConfig;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * The training run of {@code bin/pgvault-cds}: the commands people run most, against a throw-away filesystem
 * repository in the directory given, so that the class-data archive holds what they load — the command line,
 * configuration and logging, the JSON of cluster.json and manifests (read and written), the codecs and digests of
 * wal-push and wal-fetch, the restore path, and the PostgreSQL driver with its Unix-socket transport (the connection
 * fails: no server listens there). Every step is expected to end as it ends; only the classes loaded matter.
 */
final class CdsTraining {

    private CdsTraining() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: CdsTraining EMPTY_DIRECTORY");
            System.exit(2);
        }
        Path dir = Path.of(args[0]).toAbsolutePath();
        Path repoDir = dir.resolve("repo");
        Path pgdata = Files.createDirectories(dir.resolve("pgdata"));
        Files.writeString(pgdata.resolve("PG_VERSION"), "15\n");
        Files.createDirectories(pgdata.resolve("global"));
        String cluster = "cds";
        String system = "7000000000000000001";
        FsStorage storage = new FsStorage(new FsStorageConfig(repoDir, true));
        storage.ensureContainer();
        Repository repository = new Repository(storage, cluster);
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        repository.createClusterInfo(new ClusterInfo(ClusterInfo.FORMAT, cluster, system, 150000, 16L * 1024 * 1024,
                now, null));
        BackupId id = BackupId.parse("20200101T000000F");
        repository.writeManifest(new BackupManifest(BackupManifest.FORMAT, id, id.type(), null, cluster, system,
                150000, 16L * 1024 * 1024, TimelineId.of(1), Lsn.parse("0/1000028"), Lsn.parse("0/1000100"),
                "000000010000000000000001", "000000010000000000000001", now.minusSeconds(60), now.minusSeconds(59),
                "START WAL LOCATION: 0/1000028 (file 000000010000000000000001)\n", null, Codec.ZSTD, 3, null,
                List.of(), List.of(FileEntry.directory("base", 0700, now.toEpochMilli())), 0, 0, "cds"));
        Path wal = dir.resolve("000000010000000000000001");
        Files.write(wal, new byte[16 * 1024 * 1024]);

        // a config file of its own, so that the machine's /etc/pgvault/pgvault.yaml does not steer the training
        Path config = Files.writeString(dir.resolve("training.yaml"), "# bin/pgvault-cds training run\n");
        String[] common = {"--config", config.toString(), "--repo", repoDir.toString(), "--cluster", cluster,
            "--pg-host", dir.toString(), "--pg-port", "1"};
        Map<String, String> env = Map.of();
        for (List<String> command : List.of(
                List.of("--json", "info"),
                List.of("info"),
                List.of("list"),
                List.of("wal-push", wal.toString()),
                List.of("wal-fetch", "000000010000000000000001", dir.resolve("fetched").toString()),
                List.of("wal-fetch", "00000002.history", dir.resolve("history").toString()),
                List.of("--pgdata", dir.resolve("restored").toString(), "restore"),
                List.of("--pgdata", pgdata.toString(), "backup"),
                List.of("verify"),
                List.of("--help"))) {
            String[] line = new String[common.length + command.size()];
            System.arraycopy(common, 0, line, 0, common.length);
            for (int i = 0; i < command.size(); i++) {
                line[common.length + i] = command.get(i);
            }
            Main.run(line, env);
        }
        loadDriverClasses();
    }

    /**
     * Loads (without initializing) the PostgreSQL driver's classes. The training's connection fails before the
     * protocol, type and result classes of a real session are needed, so without this every backup loaded about a
     * hundred of them from the jar, one by one on the main thread. Classes that need what is not installed (OSGi, GSS)
     * fail to load and are left out.
     */
    private static void loadDriverClasses() throws IOException {
        ClassLoader loader = CdsTraining.class.getClassLoader();
        Path jar;
        try {
            jar = Path.of(org.postgresql.Driver.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IOException("cannot locate the PostgreSQL driver's jar", e);
        }
        try (JarFile file = new JarFile(jar.toFile())) {
            for (String name : file.stream().map(JarEntry::getName)
                    .filter(n -> n.startsWith("org/postgresql/") && n.endsWith(".class") && !n.contains("-"))
                    .toList()) {
                try {
                    Class.forName(name.substring(0, name.length() - ".class".length()).replace('/', '.'), false,
                            loader);
                } catch (ClassNotFoundException | LinkageError e) {
                    // depends on a library pgvault does not ship: not archived, and never loaded at run time either
                }
            }
        }
    }
}
