package io.pgvault.restore;

import static io.pgvault.restore.TestManifests.dir;
import static io.pgvault.restore.TestManifests.file;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.manifest.FileEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeltaScanTest {

    @TempDir
    Path pgdata;

    @TempDir
    Path tablespaces;

    @Test
    void keepsWhatMatchesRemovesWhatDiffersAndWhatTheBackupLacks() throws Exception {
        BackupManifest m = TestManifests.manifest("20260101T000000F", 1, "0/2000100", "000000010000000000000002",
                List.of(file("PG_VERSION", "15\n"), dir("base"), dir("base/1"), file("base/1/1259", "same"),
                        file("base/1/1260", "abcd"), file("base/1/1261", "short"), file("base/1/1262", "missing"),
                        dir("pg_wal"), dir("global"), file("global/pg_control", "control")));
        write("PG_VERSION", "15\n");
        write("base/1/1259", "same");
        write("base/1/1260", "abce");                 // same size, other content
        write("base/1/1261", "longer content");       // other size
        write("base/1/9999", "dropped table");        // not in the backup
        write("base/5/1", "dropped database");        // a whole directory not in the backup
        write("pg_wal/000000020000000000000005", "wal");
        write("pg_wal/archive_status/000000020000000000000005.done", "");
        write("global/pg_control", "control");
        write("postmaster.opts", "opts");

        DeltaScan.Result r = new DeltaScan(m, pgdata, Map.of()).run(2);

        assertThat(r.unchanged()).containsExactlyInAnyOrder("PG_VERSION", "base/1/1259", "global/pg_control");
        assertThat(r.removed()).isEqualTo(5);
        assertThat(pgdata.resolve("base/1/1260")).doesNotExist();
        assertThat(pgdata.resolve("base/1/1261")).doesNotExist();
        assertThat(pgdata.resolve("base/1/9999")).doesNotExist();
        assertThat(pgdata.resolve("base/5")).doesNotExist();
        assertThat(pgdata.resolve("pg_wal")).isEmptyDirectory();
        assertThat(pgdata.resolve("postmaster.opts")).doesNotExist();
        assertThat(pgdata.resolve("base/1/1259")).hasContent("same");
    }

    @Test
    void followsTablespaceLinksAndRepointsWrongOnes() throws Exception {
        Path right = tablespaces.resolve("right");
        Path wrong = tablespaces.resolve("wrong");
        FileEntry link = FileEntry.link("pg_tblspc/16384", right.toString(), 0);
        BackupManifest m = TestManifests.manifest("20260101T000000F", 1, "0/2000100", "000000010000000000000002",
                List.of(dir("pg_tblspc"), link, dir("pg_tblspc/16384/PG_15_1"), dir("pg_tblspc/16384/PG_15_1/5"),
                        file("pg_tblspc/16384/PG_15_1/5/100", "rel")));
        Files.createDirectories(pgdata.resolve("pg_tblspc"));
        Files.createDirectories(wrong);
        Files.createSymbolicLink(pgdata.resolve("pg_tblspc/16384"), wrong);
        write(right, "PG_15_1/5/100", "rel");
        write(right, "PG_15_1/5/200", "stale");
        write(right, "PG_16_2/5/100", "another server version's, left alone");

        DeltaScan.Result r = new DeltaScan(m, pgdata, Map.of()).run(1);

        assertThat(Files.readSymbolicLink(pgdata.resolve("pg_tblspc/16384"))).isEqualTo(right);
        assertThat(r.unchanged()).containsExactly("pg_tblspc/16384/PG_15_1/5/100");
        assertThat(right.resolve("PG_15_1/5/200")).doesNotExist();
        assertThat(right.resolve("PG_16_2/5/100")).exists();
        assertThat(wrong).exists();
    }

    private void write(String rel, String content) throws Exception {
        write(pgdata, rel, content);
    }

    private static void write(Path base, String rel, String content) throws Exception {
        Path p = base.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }
}
