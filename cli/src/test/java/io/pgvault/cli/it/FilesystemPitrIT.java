package io.pgvault.cli.it;

import io.pgvault.core.testing.PgTestCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * PITR exactness on the filesystem repository: five target times between consecutive ledger commits (served by both
 * backups), a target LSN, a named restore point and the end of the archive.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FilesystemPitrIT {

    private Path work;
    private PitrScenario scenario;

    @BeforeAll
    void prepare() throws Exception {
        work = PgTestCluster.workDirectory("pgvault-pitr-fs-");
        scenario = new PitrScenario(RepoTarget.filesystem(work), work);
        scenario.prepare(Duration.ofSeconds(18));
    }

    @AfterAll
    void cleanUp() throws Exception {
        if (scenario != null) {
            scenario.close();
        }
        SuiteOutput.keepLogs(work);
        PgTestCluster.deleteTree(work);
    }

    @Test
    void restoresExactlyToEveryTarget() throws Exception {
        List<PitrScenario.Target> targets = new ArrayList<>(scenario.timeTargets(5));
        targets.add(scenario.lsnAfter(150));
        targets.add(scenario.restorePoint());
        targets.add(scenario.endOfArchive());
        int n = 0;
        for (PitrScenario.Target t : targets) {
            scenario.restoreAndCheck(t, ++n);
        }
    }
}
