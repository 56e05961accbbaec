package io.pgvault.core.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BackupIdTest {

    @Test
    void fromStartTimeInUtcAndType() {
        Instant start = Instant.parse("2026-11-21T10:15:00Z");
        assertThat(BackupId.of(start, BackupType.FULL)).hasToString("20261121T101500F");
        assertThat(BackupId.of(start, BackupType.DIFFERENTIAL)).hasToString("20261121T101500D");
        assertThat(BackupId.of(start, BackupType.INCREMENTAL)).hasToString("20261121T101500I");
    }

    @Test
    void dropsFractionsOfSeconds() {
        assertThat(BackupId.of(Instant.parse("2026-11-21T23:59:59.999Z"), BackupType.FULL))
                .hasToString("20261121T235959F");
    }

    @Test
    void typeComesFromTheLetter() {
        assertThat(BackupId.parse("20261121T101500F").type()).isEqualTo(BackupType.FULL);
        assertThat(BackupId.parse("20261121T101500D").type()).isEqualTo(BackupType.DIFFERENTIAL);
        assertThat(BackupId.parse("20261121T101500I").type()).isEqualTo(BackupType.INCREMENTAL);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "latest", "20261121T101500", "20261121T101500X", "20261121T101500f",
        "2026112T101500F", "20261121 101500F", "20261121T101500FF", "../20261121T101500F", "20261121T101500F/",
        "20261121T101500F\n", "२०२६११२१T१०१५००F"})
    void refusesWhatIsNotAnId(String text) {
        assertThatThrownBy(() -> BackupId.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a backup id");
    }

    @Test
    void refusesNull() {
        assertThatThrownBy(() -> BackupId.parse(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sortsInTimeOrder() {
        List<BackupId> ids = new ArrayList<>();
        for (String s : List.of("20261121T101500F", "20251231T235959I", "20261121T101501D", "20261121T091500F")) {
            ids.add(BackupId.parse(s));
        }
        Collections.sort(ids);
        assertThat(ids).extracting(BackupId::toString)
                .containsExactly("20251231T235959I", "20261121T091500F", "20261121T101500F", "20261121T101501D");
        Instant a = Instant.parse("2026-01-02T03:04:05Z");
        assertThat(BackupId.of(a, BackupType.FULL)).isLessThan(BackupId.of(a.plusSeconds(1), BackupType.FULL));
    }

    @Test
    void jsonIsTheString() throws Exception {
        BackupId id = BackupId.parse("20261121T101500F");
        assertThat(Json.mapper().writeValueAsString(id)).isEqualTo("\"20261121T101500F\"");
        assertThat(Json.mapper().readValue("\"20261121T101500F\"", BackupId.class)).isEqualTo(id);
    }

    @Test
    void backupTypeParsesNamesAndAbbreviations() {
        assertThat(BackupType.parse("full")).isEqualTo(BackupType.FULL);
        assertThat(BackupType.parse("FULL")).isEqualTo(BackupType.FULL);
        assertThat(BackupType.parse("diff")).isEqualTo(BackupType.DIFFERENTIAL);
        assertThat(BackupType.parse("differential")).isEqualTo(BackupType.DIFFERENTIAL);
        assertThat(BackupType.parse("incr")).isEqualTo(BackupType.INCREMENTAL);
        assertThat(BackupType.parse("Incremental")).isEqualTo(BackupType.INCREMENTAL);
        assertThatThrownBy(() -> BackupType.parse("weekly")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("weekly");
        assertThat(BackupType.FULL).hasToString("full");
    }
}
