package io.pgvault.cli.it;

import io.pgvault.core.testing.PgTestCluster;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A repository an end-to-end test runs against: its URL, the pgvault options it needs (non-secret) and the
 * environment that carries its credentials (given to pgvault and to the server, so archive_command and
 * restore_command reach it too).
 *
 * @param name    short name for test display
 * @param url     repository URL
 * @param options extra pgvault options (endpoint, path style, ...)
 * @param env     environment with credentials
 */
public record RepoTarget(String name, String url, List<String> options, Map<String, String> env) {

    /** A fresh filesystem repository under a work directory owned by postgres. */
    public static RepoTarget filesystem(Path work) throws IOException {
        Path repo = work.resolve("repo");
        java.nio.file.Files.createDirectories(repo);
        PgTestCluster.chownToPostgres(repo);
        return new RepoTarget("file", "file://" + repo, List.of(), Map.of());
    }

    /** A fresh bucket on the s3proxy started by infra/s3proxy.sh (pgvault init creates it). */
    public static RepoTarget s3() {
        String endpoint = envOr("PGVAULT_IT_S3_ENDPOINT", "http://127.0.0.1:8081");
        return new RepoTarget("s3", "s3://pgvault-it-" + suffix() + "/pitr",
                List.of("--s3-endpoint", endpoint, "--s3-path-style", "true", "--s3-part-size", "5MiB"),
                Map.of("AWS_ACCESS_KEY_ID", "test-access-key", "AWS_SECRET_ACCESS_KEY", "test-secret-key"));
    }

    /** A fresh container on the Azurite started by infra/azurite.sh, with its well-known development key. */
    public static RepoTarget azure() {
        String endpoint = envOr("PGVAULT_IT_AZURE_ENDPOINT", "http://127.0.0.1:10000/devstoreaccount1");
        return new RepoTarget("azure", "azure://pgvault-it-" + suffix() + "/pitr",
                List.of("--azure-endpoint", endpoint, "--azure-account", "devstoreaccount1", "--azure-block-size",
                        "4MiB"),
                Map.of("AZURE_STORAGE_KEY",
                        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="));
    }

    /**
     * A fresh container on the Swift started by infra/swift.sh, through Keystone v3 with the standard OpenStack
     * variables (the production path).
     */
    public static RepoTarget swift() {
        return new RepoTarget("swift", "swift://pgvault-it-" + suffix() + "/pitr",
                List.of("--swift-segment-size", "8MiB"),
                Map.of("OS_AUTH_URL", envOr("PGVAULT_IT_SWIFT_AUTH_URL", "http://127.0.0.1:5000/v3"),
                        "OS_USERNAME", "demo", "OS_PASSWORD", "demopass", "OS_PROJECT_NAME", "demo",
                        "OS_USER_DOMAIN_NAME", "Default", "OS_PROJECT_DOMAIN_NAME", "Default"));
    }

    static String envOr(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    static String suffix() {
        return Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    }

    /** The arguments that select this repository and cluster, for pgvault command lines. */
    public List<String> args(String cluster) {
        List<String> a = new ArrayList<>(List.of("--repo", url, "--cluster", cluster));
        a.addAll(options);
        return a;
    }

    /** The same arguments joined for archive_command (values here never need quoting). */
    public String archiveArgs(String cluster) {
        return String.join(" ", args(cluster));
    }

    @Override
    public String toString() {
        return name;
    }
}
