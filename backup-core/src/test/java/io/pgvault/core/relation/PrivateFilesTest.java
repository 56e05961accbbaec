package io.pgvault.core.relation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrivateFilesTest {

    @TempDir
    Path dir;

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void filesAreCreatedOwnerOnlyInNewOwnerOnlyDirectories() throws IOException {
        Path file = dir.resolve("a/b/creds.json");
        PrivateFile.write(file, "secret");
        assertThat(Files.readString(file)).isEqualTo("secret");
        assertThat(mode(file)).isEqualTo("rw-------");
        assertThat(mode(file.getParent())).isEqualTo("rwx------");
        try (var s = Files.list(file.getParent())) {
            assertThat(s.toList()).containsExactly(file);
        }
    }

    @Test
    void replacingAWorldReadableFileLeavesAPrivateOne() throws IOException {
        Path file = dir.resolve("creds.env");
        Files.writeString(file, "old");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        PrivateFile.write(file, "new");
        assertThat(Files.readString(file)).isEqualTo("new");
        assertThat(mode(file)).isEqualTo("rw-------");
    }

    @Test
    void pgpassLineIsReplacedOthersKept() throws IOException {
        Path file = dir.resolve(".pgpass");
        Files.writeString(file, "# mine\nother:5432:*:bob:pw1\n127.0.0.1:5432:*:operator:old\n*:*:*:operator:wild\n"
                + "127.0.0.1:5432:*:operator:dup\n");
        Endpoint at = new Endpoint("127.0.0.1", 5432);
        PgPassFile.update(file, at, "operator", "n:e\\w");
        assertThat(Files.readAllLines(file)).containsExactly("# mine", "other:5432:*:bob:pw1",
                "127.0.0.1:5432:*:operator:n\\:e\\\\w", "*:*:*:operator:wild");
        assertThat(PgPassFile.find(file, at, "operator")).contains("n:e\\w");
        assertThat(mode(file)).isEqualTo("rw-------");
    }

    @Test
    void newPgpassLineGoesFirstSoItWinsOverWildcards() throws IOException {
        Path file = dir.resolve("pgpass");
        Files.writeString(file, "*:*:*:*:wild\n");
        PgPassFile.update(file, new Endpoint("db1", 5433), "operator", "pw");
        assertThat(Files.readAllLines(file)).isEqualTo(List.of("db1:5433:*:operator:pw", "*:*:*:*:wild"));
        Path fresh = dir.resolve("none/.pgpass");
        PgPassFile.update(fresh, new Endpoint("db1", 5433), "operator", "pw");
        assertThat(Files.readAllLines(fresh)).containsExactly("db1:5433:*:operator:pw");
        assertThat(mode(fresh)).isEqualTo("rw-------");
    }
}
