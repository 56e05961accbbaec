package io.pgvault.cli;

import io.pgvault.core.stream.Codec;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** Options every command accepts, before or after the command name. */
public class GlobalOptions {

    @Option(names = "--config", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "YAML config file (default: $PGVAULT_CONFIG, else /etc/pgvault/pgvault.yaml if present).")
    Path config;

    @Option(names = "--repo", paramLabel = "URL", scope = ScopeType.INHERIT,
            description = "Repository: file:///path, s3://bucket/prefix, azure://container/prefix, swift://container/prefix.")
    String repo;

    @Option(names = "--cluster", paramLabel = "NAME", scope = ScopeType.INHERIT, defaultValue = "main",
            description = "Cluster name inside the repository (default: ${DEFAULT-VALUE}).")
    String cluster;

    @Option(names = "--pgdata", paramLabel = "DIR", scope = ScopeType.INHERIT,
            description = "PostgreSQL data directory (backup reads it; restore writes it).")
    Path pgdata;

    @Option(names = "--pg-host", paramLabel = "HOST", scope = ScopeType.INHERIT, defaultValue = "127.0.0.1",
            description = "Database server host, or the directory of its Unix-domain socket such as /var/run/postgresql for peer authentication (default: ${DEFAULT-VALUE}).")
    String pgHost;

    @Option(names = "--pg-port", paramLabel = "PORT", scope = ScopeType.INHERIT, defaultValue = "5432",
            description = "Database server port (default: ${DEFAULT-VALUE}).")
    int pgPort;

    @Option(names = "--pg-user", paramLabel = "USER", scope = ScopeType.INHERIT, defaultValue = "postgres",
            description = "Login role, a superuser or a role allowed to run backups (default: ${DEFAULT-VALUE}). "
                    + "The password comes from PGPASSWORD or ~/.pgpass.")
    String pgUser;

    @Option(names = "--pg-database", paramLabel = "DB", scope = ScopeType.INHERIT, defaultValue = "postgres",
            description = "Database to connect to (default: ${DEFAULT-VALUE}).")
    String pgDatabase;

    @Option(names = {"-j", "--jobs"}, paramLabel = "N", scope = ScopeType.INHERIT,
            description = "Parallel workers for backup and restore (default: number of cores).")
    Integer jobs;

    @Option(names = "--compress", paramLabel = "CODEC", scope = ScopeType.INHERIT, defaultValue = "zstd",
            description = "Compression: zstd, lz4, gzip or none (default: ${DEFAULT-VALUE}).")
    String compress;

    @Option(names = "--compress-level", paramLabel = "N", scope = ScopeType.INHERIT, defaultValue = "0",
            description = "Compression level, 0 for the codec's default (zstd 1-19, gzip 1-9).")
    public int compressLevel;

    @Option(names = "--passphrase-file", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "File holding the encryption passphrase of an encrypted repository (mode 0600; the "
                    + "passphrase itself may also come from PGVAULT_PASSPHRASE or the config key passphrase).")
    Path passphraseFile;

    @Option(names = "--json", scope = ScopeType.INHERIT, description = "Print machine-readable JSON.")
    boolean json;

    @Option(names = "--debug", scope = ScopeType.INHERIT, description = "Verbose logs and stack traces on errors.")
    boolean debug;

    public int jobsOrDefault() {
        int j = jobs == null ? Runtime.getRuntime().availableProcessors() : jobs;
        if (j < 1 || j > 128) {
            throw new IllegalArgumentException("--jobs must be between 1 and 128, got " + j);
        }
        return j;
    }

    public Codec codec() {
        Codec c = Codec.parse(compress);
        c.checkLevel(compressLevel);
        return c;
    }
}
