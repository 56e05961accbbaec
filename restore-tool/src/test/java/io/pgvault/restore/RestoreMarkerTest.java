package io.pgvault.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgvault.core.PgVaultException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A restore killed before PG_VERSION was written can be finished with --delta, but only for the same cluster. */
class RestoreMarkerTest {

    @TempDir
    Path dir;

    @Test
    void deltaAcceptsAnInterruptedRestoreOfTheSameClusterOnly() throws IOException {
        Path pgdata = dir.resolve("data");
        RestoreMarker.write(pgdata, "7300000000000000001", FileOwner.unchanged());
        Files.createDirectories(pgdata.resolve("base/1"));
        assertThat(RestoreMarker.interruptedRestoreOf(pgdata)).contains("7300000000000000001");

        DataDirectoryGuard.refuseForeignDataDirectory(pgdata, "7300000000000000001");
        assertThatThrownBy(() -> DataDirectoryGuard.refuseForeignDataDirectory(pgdata, "7300000000000000002"))
                .isInstanceOf(PgVaultException.class).hasMessageContaining("interrupted restore of database system "
                        + "7300000000000000001");

        RestoreMarker.remove(pgdata);
        assertThat(RestoreMarker.interruptedRestoreOf(pgdata)).isEmpty();
        assertThatThrownBy(() -> DataDirectoryGuard.refuseForeignDataDirectory(pgdata, "7300000000000000001"))
                .isInstanceOf(PgVaultException.class).hasMessageContaining("no PG_VERSION");
    }
}
