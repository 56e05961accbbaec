package io.pgvault.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgvault.core.testing.PgTestCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A short incremental chain on S3 (s3proxy started by infra/s3proxy.sh): full, incremental, incremental under load;
 * a restore to a time served by the second incremental (its files put together from three backups' objects by
 * ranged reads), checked row for row, and verify.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class S3IncrementalPitrIT {

    private Path work;
    private PitrScenario scenario;

    @BeforeAll
    void prepare() throws Exception {
        work = PgTestCluster.workDirectory("pgvault-pitr-s3-incr-");
        scenario = new PitrScenario(RepoTarget.s3(), work);
        scenario.prepare(Duration.ofSeconds(12), List.of("incremental", "incremental"));
    }

    @AfterAll
    void cleanUp() throws Exception {
        if (scenario != null) {
            scenario.close();
        }
        PgTestCluster.deleteTree(work);
    }

    @Test
    void restoresExactlyFromAnIncrementalOnS3() throws Exception {
        String list = scenario.ok("list");
        assertThat(list.lines().filter(l -> l.matches("\\d{8}T\\d{6}I\\s+incremental\\s+\\d{8}T\\d{6}[FI].*")))
                .hasSize(2);
        String deepest = list.lines().filter(l -> l.matches("\\d{8}T\\d{6}I.*")).reduce((a, b) -> b).orElseThrow()
                .substring(0, 16);
        PitrScenario.Target t = scenario.timeTargetsServedBy(1, 1).get(0);
        assertThat(scenario.restoreAndCheck(t, 1)).contains("restored backup " + deepest);
        assertThat(scenario.ok("verify")).contains("healthy: 3 backups");
    }
}
