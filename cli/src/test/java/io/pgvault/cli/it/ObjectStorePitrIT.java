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
 * The PITR exactness scenario against an object store: init (creating the bucket or container), two backups,
 * archive_command pushing every WAL segment, restores to target times on both sides of the second backup and to
 * the end of the archive, each checked row for row. Subclasses name the store; a server that is not running fails
 * the test.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ObjectStorePitrIT {

    private Path work;
    private PitrScenario scenario;

    abstract RepoTarget repository();

    @BeforeAll
    void prepare() throws Exception {
        work = PgTestCluster.workDirectory("pgvault-pitr-" + getClass().getSimpleName() + "-");
        scenario = new PitrScenario(repository(), work);
        scenario.prepare(Duration.ofSeconds(12));
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
    void restoresExactlyToTargetTimesAndTheEndOfTheArchive() throws Exception {
        List<PitrScenario.Target> targets = new ArrayList<>(scenario.timeTargets(2));
        targets.add(scenario.endOfArchive());
        int n = 0;
        for (PitrScenario.Target t : targets) {
            scenario.restoreAndCheck(t, ++n);
        }
    }
}
