package io.pgvault.core.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.pg.Lsn;
import io.pgvault.core.pg.TimelineId;
import io.pgvault.core.repo.BackupId;
import io.pgvault.core.stream.Codec;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** When page sets may be used: page LSNs must show every change, at the parent's start and now. */
class IncrementalBaseTest {

    private static BackupManifest parent(Boolean dataChecksums, Boolean walLogHints) {
        BackupId id = BackupId.parse("20261120T101500F");
        return new BackupManifest(BackupManifest.FORMAT, id, id.type(), null, "main", "7000000000000000001", 150018,
                16L * 1024 * 1024, TimelineId.of(1), Lsn.parse("0/2000028"), Lsn.parse("0/3000000"),
                "000000010000000000000002", "000000010000000000000003", Instant.parse("2026-11-20T10:15:00Z"),
                Instant.parse("2026-11-20T10:16:00Z"), "label", null, Codec.ZSTD, 3, null, List.of(), List.of(), 0,
                0, "0.1.0", List.of(), dataChecksums, walLogHints);
    }

    @Test
    void pageSetsWhenHintBitsWereAndAreWalLogged() {
        assertThat(IncrementalBase.pageSetsSafe(parent(true, false), true, false)).isTrue();
        assertThat(IncrementalBase.pageSetsSafe(parent(false, true), false, true)).isTrue();
        assertThat(IncrementalBase.pageSetsSafe(parent(true, true), true, false)).isTrue();
    }

    @Test
    void wholeFilesWhenHintBitsAreNotLoggedNowOrWereNotAtTheParent() {
        assertThat(IncrementalBase.pageSetsSafe(parent(false, false), false, false)).isFalse();
        assertThat(IncrementalBase.pageSetsSafe(parent(false, false), false, true)).as("turned on since").isFalse();
        assertThat(IncrementalBase.pageSetsSafe(parent(false, true), false, false)).as("turned off since").isFalse();
    }

    @Test
    void wholeFilesWhenDataChecksumsChangedSinceTheParent() {
        // pg_checksums --enable rewrites every page and keeps its LSN
        assertThat(IncrementalBase.pageSetsSafe(parent(false, true), true, true)).isFalse();
        assertThat(IncrementalBase.pageSetsSafe(parent(true, true), false, true)).isFalse();
    }

    @Test
    void wholeFilesOnTopOfAParentThatDidNotRecordTheSettings() {
        assertThat(IncrementalBase.pageSetsSafe(parent(null, null), true, true)).isFalse();
        assertThat(IncrementalBase.pageSetsSafe(parent(null, true), false, true)).isFalse();
    }
}
