package io.pgvault.restore;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.stream.Sha256;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class PgBackupManifestTest {

    private static final BackupManifest BACKUP = TestManifests.manifest("20261121T101500F", 3, "0/3000100",
            "000000030000000000000003", List.of(
                    TestManifests.dir("base"),
                    TestManifests.file("PG_VERSION", "15\n"),
                    TestManifests.file("base/1/1259", "relation"),
                    TestManifests.file("pg_tblspc/16400/PG_15_202209061/5/16401", "far away"),
                    TestManifests.file("global/we\"ird name\tx", ""),
                    TestManifests.file("postgresql.auto.conf", "# rewritten by restore\n"),
                    TestManifests.file("standby.signal", ""),
                    TestManifests.file("pg_wal/archive_status/x.done", "")));

    private static final PgBackupManifest.WrittenFile LABEL = new PgBackupManifest.WrittenFile("backup_label",
            "START WAL LOCATION: 0/2000028\n".getBytes(StandardCharsets.UTF_8), Instant.parse("2026-11-21T10:15:07Z"));

    @Test
    void writesPostgresVersionOneFormatLineByLine() {
        String text = PgBackupManifest.render(BACKUP, List.of(LABEL));
        List<String> lines = text.lines().toList();
        assertThat(lines.get(0)).isEqualTo("{ \"PostgreSQL-Backup-Manifest-Version\": 1,");
        assertThat(lines.get(1)).isEqualTo("\"Files\": [");
        assertThat(lines.get(2)).isEqualTo("{ \"Path\": \"PG_VERSION\", \"Size\": 3, \"Last-Modified\": "
                + "\"2023-11-14 22:13:20 GMT\", \"Checksum-Algorithm\": \"SHA256\", \"Checksum\": \""
                + Sha256.of("15\n".getBytes(StandardCharsets.UTF_8)) + "\" },");
        assertThat(text).contains("{ \"Path\": \"pg_tblspc/16400/PG_15_202209061/5/16401\", \"Size\": 8,")
                .contains("{ \"Path\": \"global/we\\\"ird name\\tx\", \"Size\": 0,")
                .contains("{ \"Path\": \"backup_label\", \"Size\": 30, \"Last-Modified\": \"2026-11-21 10:15:07 GMT\"")
                .doesNotContain("postgresql.auto.conf").doesNotContain("standby.signal").doesNotContain("pg_wal")
                .doesNotContain("\"base\"");
        assertThat(lines.subList(lines.size() - 5, lines.size())).containsExactly(
                "],",
                "\"WAL-Ranges\": [",
                "{ \"Timeline\": 3, \"Start-LSN\": \"0/2000028\", \"End-LSN\": \"0/3000100\" }",
                "],",
                lines.get(lines.size() - 1));
        assertThat(text).endsWith("\"}\n");
    }

    @Test
    void manifestChecksumCoversEverythingBeforeTheLastLine() {
        String text = PgBackupManifest.render(BACKUP, List.of(LABEL));
        // as parse_manifest.c checks it: SHA-256 of the text up to and including the penultimate newline
        int penultimate = text.lastIndexOf('\n', text.length() - 2);
        String expected = Sha256.of(text.substring(0, penultimate + 1).getBytes(StandardCharsets.UTF_8));
        assertThat(text.substring(penultimate + 1)).isEqualTo("\"Manifest-Checksum\": \"" + expected + "\"}\n");
        assertThat(expected).matches("[0-9a-f]{64}");
    }

    @Test
    void escapesControlCharactersAsPostgresDoes() {
        StringBuilder out = new StringBuilder();
        PgBackupManifest.escapeJson(out, "a\u0001b\nc\u00e9");
        assertThat(out).hasToString("\"a\\u0001b\\nc\u00e9\"");
    }
}
