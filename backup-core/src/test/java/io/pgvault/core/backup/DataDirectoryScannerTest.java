package io.pgvault.core.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.manifest.EntryKind;
import io.pgvault.core.pg.Tablespace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirectoryScannerTest {

    @TempDir
    Path root;

    Path pgdata;

    private void file(String rel, String content) throws IOException {
        Path p = pgdata.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    private void dir(String rel) throws IOException {
        Files.createDirectories(pgdata.resolve(rel));
    }

    @BeforeEach
    void fakeDataDirectory() throws IOException {
        pgdata = root.resolve("pgdata");
        dir("");
        file("PG_VERSION", "15\n");
        file("postgresql.conf", "port = 5432\n");
        file("postgresql.auto.conf", "# Do not edit\n");
        file("pg_hba.conf", "local all all trust\n");
        // runtime and recovery files
        file("postmaster.pid", "1234\n");
        file("postmaster.opts", "/usr/lib/postgresql/15/bin/postgres\n");
        file("recovery.signal", "");
        file("standby.signal", "");
        file("backup_label", "START WAL LOCATION: 0/1 (file 000000010000000000000001)\n");
        file("backup_label.old", "old");
        file("tablespace_map", "");
        file("current_logfiles", "stderr log/postgresql.log\n");
        // global
        file("global/pg_control", "control");
        file("global/1262", "x".repeat(8192));
        file("global/pg_filenode.map", "map");
        file("global/pg_internal.init", "cache");
        // database 1
        file("base/1/PG_VERSION", "15\n");
        file("base/1/1259", "heap");
        file("base/1/1259_fsm", "fsm");
        file("base/1/1259_vm", "vm");
        file("base/1/1259.1", "segment 1");
        file("base/1/16384", "unlogged main fork");
        file("base/1/16384_init", "init fork");
        file("base/1/16384_fsm", "unlogged fsm");
        file("base/1/16384_vm", "unlogged vm");
        file("base/1/16384.1", "unlogged segment");
        file("base/1/t3_16390", "temp");
        file("base/1/t3_16390_fsm", "temp fsm");
        file("base/1/t3_16390.1", "temp segment");
        file("base/1/pg_internal.init", "cache");
        file("base/1/pg_filenode.map", "map");
        // database 5: a logged relation with the same number is kept
        file("base/5/16384", "logged relation");
        file("base/5/16384_fsm", "logged fsm");
        // temporary files
        file("base/pgsql_tmp/pgsql_tmp1234.0", "spill");
        file("base/1/pgsql_tmp/x", "spill");
        dir("base/pgsql_tmp1234.0.fileset");
        // WAL and runtime directories: kept, empty
        file("pg_wal/000000010000000000000001", "wal");
        file("pg_wal/000000010000000000000002", "wal");
        file("pg_wal/00000002.history", "history");
        file("pg_wal/archive_status/000000010000000000000001.done", "");
        file("pg_replslot/x/state", "slot");
        file("pg_stat_tmp/x", "stats");
        file("pg_dynshmem/mmap.1", "shm");
        file("pg_notify/0000", "n");
        file("pg_serial/0000", "s");
        file("pg_snapshots/0000", "s");
        file("pg_subtrans/0000", "s");
        // kept with contents
        file("pg_xact/0000", "xact");
        file("pg_multixact/members/0000", "m");
        file("pg_logical/replorigin_checkpoint", "r");
        dir("pg_tblspc");
        dir("pg_commit_ts");
        file("log/postgresql.log", "log");
    }

    private List<SourceEntry> scan() {
        return new DataDirectoryScanner(pgdata, 15, List.of()).scan();
    }

    private static Map<String, SourceEntry> byPath(List<SourceEntry> entries) {
        return entries.stream().collect(Collectors.toMap(SourceEntry::path, Function.identity()));
    }

    @Test
    void includesExactlyWhatABaseBackupNeeds() {
        List<String> paths = scan().stream().map(SourceEntry::path).toList();
        assertThat(paths).containsExactlyInAnyOrder(
                "PG_VERSION", "postgresql.conf", "postgresql.auto.conf", "pg_hba.conf", "current_logfiles",
                "global", "global/pg_control", "global/1262", "global/pg_filenode.map",
                "base", "base/1", "base/1/PG_VERSION", "base/1/1259", "base/1/1259_fsm", "base/1/1259_vm",
                "base/1/1259.1", "base/1/16384_init", "base/1/pg_filenode.map",
                "base/5", "base/5/16384", "base/5/16384_fsm",
                "pg_wal", "pg_wal/archive_status",
                "pg_replslot", "pg_stat_tmp", "pg_dynshmem", "pg_notify", "pg_serial", "pg_snapshots", "pg_subtrans",
                "pg_xact", "pg_xact/0000", "pg_multixact", "pg_multixact/members", "pg_multixact/members/0000",
                "pg_logical", "pg_logical/replorigin_checkpoint", "pg_tblspc", "pg_commit_ts",
                "log", "log/postgresql.log");
    }

    @Test
    void unloggedRelationKeepsOnlyItsInitFork() {
        Map<String, SourceEntry> entries = byPath(scan());
        assertThat(entries).containsKey("base/1/16384_init");
        assertThat(entries).doesNotContainKeys("base/1/16384", "base/1/16384_fsm", "base/1/16384_vm",
                "base/1/16384.1");
        assertThat(entries.get("base/1/16384_init").kind()).isEqualTo(EntryKind.FILE);
        // the same relfilenode in another database is an ordinary relation
        assertThat(entries).containsKeys("base/5/16384", "base/5/16384_fsm");
    }

    @Test
    void temporaryRelationsCachesAndSpillFilesAreLeftOut() {
        Map<String, SourceEntry> entries = byPath(scan());
        assertThat(entries).doesNotContainKeys("base/1/t3_16390", "base/1/t3_16390_fsm", "base/1/t3_16390.1",
                "base/1/pg_internal.init", "global/pg_internal.init", "base/pgsql_tmp",
                "base/pgsql_tmp/pgsql_tmp1234.0", "base/1/pgsql_tmp", "base/1/pgsql_tmp/x",
                "base/pgsql_tmp1234.0.fileset");
    }

    @Test
    void serverRuntimeAndRecoveryFilesAreLeftOut() {
        assertThat(byPath(scan())).doesNotContainKeys("postmaster.pid", "postmaster.opts", "recovery.signal",
                "standby.signal", "backup_label", "backup_label.old", "tablespace_map");
    }

    @Test
    void walAndRuntimeDirectoriesAreKeptEmpty() {
        Map<String, SourceEntry> entries = byPath(scan());
        for (String d : List.of("pg_wal", "pg_wal/archive_status", "pg_replslot", "pg_stat_tmp", "pg_dynshmem",
                "pg_notify", "pg_serial", "pg_snapshots", "pg_subtrans")) {
            assertThat(entries.get(d)).as(d).isNotNull();
            assertThat(entries.get(d).kind()).as(d).isEqualTo(EntryKind.DIRECTORY);
        }
        assertThat(entries.keySet()).noneMatch(p -> p.startsWith("pg_wal/0") || p.startsWith("pg_replslot/")
                || p.startsWith("pg_stat_tmp/") || p.startsWith("pg_subtrans/")
                || p.startsWith("pg_wal/archive_status/"));
    }

    @Test
    void archiveStatusIsListedEvenWhenMissing() throws IOException {
        Files.delete(pgdata.resolve("pg_wal/archive_status/000000010000000000000001.done"));
        Files.delete(pgdata.resolve("pg_wal/archive_status"));
        SourceEntry status = byPath(scan()).get("pg_wal/archive_status");
        assertThat(status).isNotNull();
        assertThat(status.kind()).isEqualTo(EntryKind.DIRECTORY);
        assertThat(status.mode()).isEqualTo(0700);
    }

    @Test
    void walDirectoryLinkIsBackedUpAsADirectory() throws IOException {
        Path elsewhere = Files.createDirectories(root.resolve("waldisk"));
        Files.writeString(elsewhere.resolve("000000010000000000000001"), "wal");
        Files.createDirectories(elsewhere.resolve("archive_status"));
        deleteTree(pgdata.resolve("pg_wal"));
        Files.createSymbolicLink(pgdata.resolve("pg_wal"), elsewhere);
        Map<String, SourceEntry> entries = byPath(scan());
        assertThat(entries.get("pg_wal").kind()).isEqualTo(EntryKind.DIRECTORY);
        assertThat(entries.get("pg_wal").linkTarget()).isNull();
        assertThat(entries).containsKey("pg_wal/archive_status")
                .doesNotContainKey("pg_wal/000000010000000000000001");
    }

    @Test
    void topLevelExclusionsApplyOnlyAtTheTop() throws IOException {
        file("log/backup_label", "a log file that happens to have this name");
        file("conf.d/postmaster.pid", "x");
        assertThat(byPath(scan())).containsKeys("log/backup_label", "conf.d/postmaster.pid");
    }

    @Test
    void recordsSizeModeAndModificationTime() throws IOException {
        Path heap = pgdata.resolve("base/1/1259");
        Files.setPosixFilePermissions(heap, PosixFilePermissions.fromString("rw-r-----"));
        Files.setLastModifiedTime(heap, FileTime.fromMillis(1_700_000_000_000L));
        Files.setPosixFilePermissions(pgdata.resolve("base/1"), PosixFilePermissions.fromString("rwx------"));
        Map<String, SourceEntry> entries = byPath(scan());

        SourceEntry e = entries.get("base/1/1259");
        assertThat(e.kind()).isEqualTo(EntryKind.FILE);
        assertThat(e.size()).isEqualTo(4);
        assertThat(e.mode()).isEqualTo(0640);
        assertThat(e.mtime()).isEqualTo(1_700_000_000_000L);
        assertThat(e.source()).isEqualTo(heap);
        assertThat(e.linkTarget()).isNull();
        assertThat(entries.get("global/1262").size()).isEqualTo(8192);
        SourceEntry d = entries.get("base/1");
        assertThat(d.kind()).isEqualTo(EntryKind.DIRECTORY);
        assertThat(d.mode()).isEqualTo(0700);
        assertThat(d.size()).isZero();
    }

    @Test
    void parentsComeBeforeTheirChildren() {
        List<SourceEntry> entries = scan();
        Set<String> seen = new HashSet<>();
        for (SourceEntry e : entries) {
            int slash = e.path().lastIndexOf('/');
            if (slash > 0) {
                assertThat(seen).as(e.path()).contains(e.path().substring(0, slash));
            }
            assertThat(seen.add(e.path())).as("duplicate " + e.path()).isTrue();
        }
    }

    @Test
    void otherSymbolicLinksAreRecordedAsLinks() throws IOException {
        Files.createSymbolicLink(pgdata.resolve("log/current"), Path.of("postgresql.log"));
        SourceEntry link = byPath(scan()).get("log/current");
        assertThat(link.kind()).isEqualTo(EntryKind.LINK);
        assertThat(link.linkTarget()).isEqualTo("postgresql.log");
    }

    @Test
    void tablespacesComeUnderPgTblspcForThisVersionOnly() throws IOException {
        Path location = Files.createDirectories(root.resolve("ts1"));
        Files.createDirectories(location.resolve("PG_15_202209061/5"));
        Files.writeString(location.resolve("PG_15_202209061/5/16500"), "tablespace relation");
        Files.writeString(location.resolve("PG_15_202209061/5/16501"), "unlogged");
        Files.writeString(location.resolve("PG_15_202209061/5/16501_init"), "init");
        Files.writeString(location.resolve("PG_15_202209061/5/t4_16502"), "temp");
        Files.createDirectories(location.resolve("PG_15_202209061/pgsql_tmp"));
        Files.createDirectories(location.resolve("PG_14_202107181/5"));
        Files.writeString(location.resolve("PG_14_202107181/5/1"), "other version");
        Files.createSymbolicLink(pgdata.resolve("pg_tblspc/16400"), location);

        List<SourceEntry> entries = new DataDirectoryScanner(pgdata, 15,
                List.of(new Tablespace(16400, "ts1", location.toString()))).scan();
        Map<String, SourceEntry> byPath = byPath(entries);

        assertThat(entries.stream().map(SourceEntry::path).filter(p -> p.startsWith("pg_tblspc")))
                .containsExactlyInAnyOrder("pg_tblspc", "pg_tblspc/16400", "pg_tblspc/16400/PG_15_202209061",
                        "pg_tblspc/16400/PG_15_202209061/5", "pg_tblspc/16400/PG_15_202209061/5/16500",
                        "pg_tblspc/16400/PG_15_202209061/5/16501_init");
        SourceEntry link = byPath.get("pg_tblspc/16400");
        assertThat(link.kind()).isEqualTo(EntryKind.LINK);
        assertThat(link.linkTarget()).isEqualTo(location.toString());
        assertThat(byPath.get("pg_tblspc/16400/PG_15_202209061/5/16500").source())
                .isEqualTo(location.resolve("PG_15_202209061/5/16500"));
        assertThat(byPath.get("pg_tblspc/16400/PG_15_202209061/5/16500").size()).isEqualTo(19);
        assertThat(byPath.get("pg_tblspc").kind()).isEqualTo(EntryKind.DIRECTORY);
    }

    @Test
    void anUnreadableTablespaceIsALocalIoError() {
        List<Tablespace> gone = List.of(new Tablespace(16400, "ts1", root.resolve("missing").toString()));
        assertThatThrownBy(() -> new DataDirectoryScanner(pgdata, 15, gone).scan())
                .isInstanceOfSatisfying(PgVaultException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.LOCAL_IO))
                .hasMessageContaining(pgdata.toString());
    }

    @Test
    void modeBits() {
        assertThat(DataDirectoryScanner.mode(PosixFilePermissions.fromString("rwx------"))).isEqualTo(0700);
        assertThat(DataDirectoryScanner.mode(PosixFilePermissions.fromString("rw-r-----"))).isEqualTo(0640);
        assertThat(DataDirectoryScanner.mode(PosixFilePermissions.fromString("rwxrwxrwx"))).isEqualTo(0777);
        assertThat(DataDirectoryScanner.mode(PosixFilePermissions.fromString("---------"))).isZero();
        assertThat(DataDirectoryScanner.mode(PosixFilePermissions.fromString("r---w---x"))).isEqualTo(0421);
    }

    @Test
    void rulesClassifyNames() {
        assertThat(DataDirectoryRules.isTemporaryRelation("t3_16390")).isTrue();
        assertThat(DataDirectoryRules.isTemporaryRelation("t3_16390_vm")).isTrue();
        assertThat(DataDirectoryRules.isTemporaryRelation("t3_16390_init.2")).isTrue();
        assertThat(DataDirectoryRules.isTemporaryRelation("t3")).isFalse();
        assertThat(DataDirectoryRules.isTemporaryRelation("16390")).isFalse();
        assertThat(DataDirectoryRules.isTemporaryRelation("t3_16390_main")).isFalse();
        assertThat(DataDirectoryRules.initForkOwner("16384_init")).isEqualTo("16384");
        assertThat(DataDirectoryRules.initForkOwner("16384_fsm")).isNull();
        assertThat(DataDirectoryRules.initForkOwner("16384_init.1")).isNull();
        assertThat(DataDirectoryRules.relationOf("16384.12")).isEqualTo("16384");
        assertThat(DataDirectoryRules.relationOf("16384_vm")).isEqualTo("16384");
        assertThat(DataDirectoryRules.relationOf("PG_VERSION")).isNull();
        assertThat(DataDirectoryRules.relationOf("pg_filenode.map")).isNull();
        assertThat(DataDirectoryRules.excludedAnywhere("pgsql_tmp")).isTrue();
        assertThat(DataDirectoryRules.excludedAnywhere("pgsql_tmp123.4")).isTrue();
        assertThat(DataDirectoryRules.excludedAnywhere("pg_internal.init")).isTrue();
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
