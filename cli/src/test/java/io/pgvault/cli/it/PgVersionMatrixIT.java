package io.pgvault.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgvault.core.testing.PgTestCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The end-to-end PITR check on every supported PostgreSQL major: 15 from the system (Debian's postgresql-15), 13,
 * 14, 16 and 17 from Maven Central (see {@link PgMajorBinaries}). For each: a cluster with data checksums archiving
 * through pgvault wal-push, pgvault init, a backup, a ledger committed one row at a time with a second backup in the
 * middle and JDBC load beside it (the Maven Central builds have no psql or pgbench), then restores to a time between
 * two ledger commits and to the end of the archive, each started with the same major's binaries (replaying through
 * pgvault wal-fetch) and checked to hold exactly the committed rows. About 40-80 s per major on 2 cores.
 */
@Tag("integration")
class PgVersionMatrixIT {

    /** The majors to run: all by default, or a comma-separated list in -Dpgvault.it.pg-majors (e.g. 13,17). */
    static IntStream majors() {
        return Arrays.stream(System.getProperty("pgvault.it.pg-majors", "13,14,15,16,17").split(","))
                .map(String::strip).filter(s -> !s.isEmpty()).mapToInt(Integer::parseInt);
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @MethodSource("majors")
    void restoresExactlyOnEachMajor(int major) throws Exception {
        long started = System.nanoTime();
        Path bin = PgMajorBinaries.forMajor(major);
        Path work = PgTestCluster.workDirectory("pgvault-matrix-" + major + "-");
        // the same JDBC load on every major (only Debian's 15 ships pgbench; FilesystemPitrIT runs the pgbench load)
        try (PitrScenario scenario = new PitrScenario(RepoTarget.filesystem(work), work, bin, false)) {
            lap(major, "binaries", started);
            scenario.prepare(Duration.ofSeconds(6));
            assertThat(scenario.primary().queryLong("SHOW server_version_num") / 10000)
                    .as("major version of the server run from " + bin).isEqualTo(major);
            lap(major, "primary, 2 backups, ledger, archive", started);
            // a time between two ledger commits before the second backup (served by the first backup, so both
            // backups are restored) and the end of the archive (served by the second)
            List<PitrScenario.Target> targets = new ArrayList<>(scenario.timeTargets(1));
            targets.add(scenario.endOfArchive());
            int n = 0;
            for (PitrScenario.Target t : targets) {
                scenario.restoreAndCheck(t, ++n);
                lap(major, "restore to " + t.description(), started);
            }
        } finally {
            SuiteOutput.keepLogs(work);
            PgTestCluster.deleteTree(work);
            lap(major, "done (" + bin + ")", started);
        }
    }

    private static void lap(int major, String what, long started) {
        System.out.printf("PostgreSQL %d: %6.1f s  %s%n", major, (System.nanoTime() - started) / 1e9, what);
    }
}
