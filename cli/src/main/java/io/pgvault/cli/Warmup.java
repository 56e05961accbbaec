package io.pgvault.cli;

import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.repo.Json;
import java.util.List;
import java.util.Set;

/**
 * Loads what every repository command needs first — the JSON mapper with its record deserializers, and the zstd
 * library — on a second thread while the main thread parses the command line and sets up logging: on a fresh JVM
 * both take a tenth of a second or more, and the second core is idle then.
 */
final class Warmup {

    private static final Set<String> REPOSITORY_COMMANDS = Set.of("backup", "restore", "standby", "verify", "info",
            "list", "expire", "wal-push", "wal-fetch");

    /** The smallest manifest the mapper accepts: it takes the deserializers of every type a manifest has. */
    private static final String MANIFEST = "{\"format\":1,\"id\":\"20260101T000000F\",\"type\":\"full\","
            + "\"timeline\":1,\"startLsn\":\"0/2000028\",\"stopLsn\":\"0/2000100\",\"stopTime\":"
            + "\"2026-01-01T00:00:00Z\",\"startTime\":\"2026-01-01T00:00:00Z\",\"codec\":\"ZSTD\",\"files\":[{"
            + "\"path\":\"PG_VERSION\",\"kind\":\"FILE\",\"size\":3,\"mode\":384,\"mtime\":0,\"sha256\":\"00\","
            + "\"chunks\":[{\"object\":\"data/b1.zst\",\"offset\":0,\"length\":12,\"sourceOffset\":0,"
            + "\"sourceLength\":3}]}]}";

    private Warmup() {
    }

    /** Starts the warm-up when the command line names a command that reads a repository. */
    static void start(String[] args) {
        List<String> all = List.of(args);
        if (all.contains("--help") || all.contains("-h") || all.stream().noneMatch(REPOSITORY_COMMANDS::contains)) {
            return;
        }
        Thread t = new Thread(Warmup::run, "warmup");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
    }

    private static void run() {
        try {
            warm();
        } catch (Exception | LinkageError e) {
            // only a head start: the command itself reports whatever really fails
        }
    }

    /** Parses a manifest and loads zstd's native library. */
    static void warm() throws Exception {
        Json.mapper().readValue(MANIFEST, BackupManifest.class);
        com.github.luben.zstd.util.Native.load();
    }
}
