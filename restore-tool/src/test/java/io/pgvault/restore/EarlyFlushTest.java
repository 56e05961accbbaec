package io.pgvault.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EarlyFlushTest {

    @TempDir
    Path dir;

    @Test
    void flushesFilesAskedForAndFinishesCleanly() throws Exception {
        Path a = Files.write(dir.resolve("a"), new byte[2 * 1024 * 1024]);
        Path b = Files.write(dir.resolve("b"), new byte[1024]);
        try (EarlyFlush flush = new EarlyFlush()) {
            flush.add(a);
            flush.add(a); // asked twice before it ran: one flush covers both
            flush.add(b);
            flush.finish();
        }
        assertThat(a).hasSize(2 * 1024 * 1024);
        assertThat(b).hasSize(1024);
    }

    @Test
    void aFlushThatFailsFailsTheRestoreWithTheFileNamed() {
        Path gone = dir.resolve("vanished");
        try (EarlyFlush flush = new EarlyFlush()) {
            flush.add(gone);
            assertThatThrownBy(flush::finish).isInstanceOf(PgVaultException.class)
                    .hasMessageContaining("cannot flush restored file " + gone)
                    .satisfies(e -> assertThat(((PgVaultException) e).code()).isEqualTo(ErrorCode.LOCAL_IO));
        }
    }

    @Test
    void aFailureIsReportedAtTheNextFileToo() throws Exception {
        Path gone = dir.resolve("vanished");
        Path later = Files.write(dir.resolve("later"), new byte[16]);
        try (EarlyFlush flush = new EarlyFlush()) {
            flush.add(gone);
            long deadline = System.nanoTime() + 10_000_000_000L;
            PgVaultException seen = null;
            while (seen == null && System.nanoTime() < deadline) {
                try {
                    flush.add(later);
                    Thread.sleep(10);
                } catch (PgVaultException e) {
                    seen = e;
                }
            }
            assertThat(seen).as("the failed flush is reported by a later add").isNotNull();
            assertThat(seen.getMessage()).contains("vanished");
        }
    }
}
