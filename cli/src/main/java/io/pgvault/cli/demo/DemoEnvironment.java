package io.pgvault.cli.demo;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.pg.PgCtl;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The throwaway world of the demo: a work directory readable by the database's OS user, a copy of the pgvault
 * distribution inside it (so the server's archive_command can run it even when this checkout is private), and a
 * way to run pgvault itself as that user.
 */
final class DemoEnvironment {

    final Path work;
    final Path pgvault;
    final PgCtl pgCtl;
    final String osUser;

    private DemoEnvironment(Path work, Path pgvault, PgCtl pgCtl, String osUser) {
        this.work = work;
        this.pgvault = pgvault;
        this.pgCtl = pgCtl;
        this.osUser = osUser;
    }

    static DemoEnvironment create(String binHint, String osUser) throws IOException {
        Path bin = PgCtl.findBinDir(binHint);
        String home = System.getProperty("pgvault.home");
        if (home == null) {
            throw new PgVaultException(ErrorCode.CONFIG, "run the demo through bin/pgvault (pgvault.home is not set)");
        }
        Path work = Files.createTempDirectory("pgvault-demo-");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path dist = work.resolve("pgvault");
        copyTree(Path.of(home), dist);
        String user = PgCtl.isRoot() ? osUser : null;
        if (user != null) {
            UserPrincipal owner = work.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(user);
            try (Stream<Path> s = Files.walk(work)) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    Files.setOwner(p, owner);
                }
            }
        }
        return new DemoEnvironment(work, dist.resolve("bin/pgvault"), new PgCtl(bin, user), user);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, LinkOption.NOFOLLOW_LINKS);
                }
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Runs the copied pgvault with the given arguments as the database's OS user. */
    PgCtl.Result pgvault(List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(pgvault.toString());
        cmd.addAll(args);
        return pgCtl.run(cmd, Map.of(), Duration.ofMinutes(10));
    }

    void delete() throws IOException {
        try (Stream<Path> s = Files.walk(work)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
