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
