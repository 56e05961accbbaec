package io.pgvault.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgvault.core.pg.PgCtl;
import io.pgvault.core.repo.Json;
import io.pgvault.core.testing.PgTestCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Incremental chains under the ledger writer's load, on the filesystem repository: full, then incremental three times
 * (a chain of depth 3) and a differential, all while pgbench and the ledger commit. Restores to exact times served by
 * the deepest incremental (one of them as a delta restore over the full backup) and by the differential, row for
 * row; verify passes; a missing object of the full backup is then reported by verify and refused by restore.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IncrementalPitrIT {

    private Path work;
    private PitrScenario scenario;

    @BeforeAll
    void prepare() throws Exception {
        work = PgTestCluster.workDirectory("pgvault-pitr-incr-");
        scenario = new PitrScenario(RepoTarget.filesystem(work), work);
        scenario.prepare(Duration.ofSeconds(24), List.of("incremental", "incremental", "incremental", "differential"));
    }

    @AfterAll
    void cleanUp() throws Exception {
        if (scenario != null) {
            scenario.close();
        }
        PgTestCluster.deleteTree(work);
    }

    @Test
    void restoresExactlyFromTheDeepestIncrementalAndVerifiesTheChain() throws Exception {
        List<JsonNode> backups = new ArrayList<>();
        Json.mapper().readTree(scenario.ok("--json", "list")).forEach(backups::add);
        assertThat(backups).extracting(b -> b.get("type").asText())
                .containsExactly("full", "incremental", "incremental", "incremental", "differential");
        String full = backups.get(0).get("id").asText();
        String deepest = backups.get(3).get("id").asText();
        assertThat(backups.get(0).path("parent").isMissingNode() || backups.get(0).get("parent").isNull()).isTrue();
        for (int i = 1; i <= 3; i++) {
            assertThat(backups.get(i).get("parent").asText()).isEqualTo(backups.get(i - 1).get("id").asText());
        }
        assertThat(backups.get(4).get("parent").asText()).isEqualTo(full);
        // pgbench_accounts (about 39 MiB) is read in 8 MiB ranges by the incrementals too, each range storing its
        // changed pages: the restores below put those ranges together along the chain
        assertThat(Files.readString(work.resolve("repo/pitr/backups/" + deepest + "/manifest.json")))
                .contains("\"rangeSums\"");
        // an incremental stores far less than the full backup it builds on
        assertThat(backups.get(3).get("repoSize").asLong()).isLessThan(backups.get(0).get("repoSize").asLong() / 2);

        List<PitrScenario.Target> byDeepest = scenario.timeTargetsServedBy(2, 2);
        int n = 0;
        for (PitrScenario.Target t : byDeepest) {
            assertThat(scenario.restoreAndCheck(t, ++n)).contains("restored backup " + deepest);
        }
        PitrScenario.Target byDiff = scenario.timeTargetsServedBy(3, 1).get(0);
        assertThat(scenario.restoreAndCheck(byDiff, ++n, true)).contains("restored backup "
                + backups.get(4).get("id").asText()).contains("delta:");
        scenario.restoreAndCheck(scenario.endOfArchive(), ++n);

        assertThat(scenario.ok("verify")).contains("5 backups");

        // lose the largest object of the full backup: every backup of the chain needs it
        Path fullDir = work.resolve("repo/pitr/backups/" + full + "/data");
        Path lost;
        try (Stream<Path> s = Files.list(fullDir)) {
            lost = s.max(Comparator.comparingLong(p -> p.toFile().length())).orElseThrow();
        }
        Files.delete(lost);
        Launcher launcher = Launcher.get();
        PgCtl.Result verify = launcher.run(java.util.Map.of(), scenario.pgvault("verify", "--backup", deepest)
                .toArray(String[]::new));
        assertThat(verify.exitCode()).as(verify.output()).isEqualTo(9);
        assertThat(verify.output()).contains(full + "/data/" + lost.getFileName());
        Path dir = work.resolve("refused");
        PgCtl.Result restore = launcher.run(java.util.Map.of(), scenario.pgvault("--pgdata", dir.toString(),
                "restore", "--backup", deepest, "--target", "immediate").toArray(String[]::new));
        assertThat(restore.exitCode()).as(restore.output()).isEqualTo(9);
        assertThat(restore.output()).contains("backup " + deepest + " cannot be restored")
                .contains(full + "/data/" + lost.getFileName());
        assertThat(!Files.exists(dir) || Files.list(dir).findAny().isEmpty()).as("nothing written").isTrue();

        // lose the full backup's manifest: the incrementals' parent is gone
        Files.delete(work.resolve("repo/pitr/backups/" + full + "/manifest.json"));
        PgCtl.Result orphans = launcher.run(java.util.Map.of(), scenario.pgvault("verify").toArray(String[]::new));
        assertThat(orphans.exitCode()).as(orphans.output()).isEqualTo(9);
        assertThat(orphans.output()).contains("backup " + deepest + " needs its parent backup " + full);
        PgCtl.Result refused = launcher.run(java.util.Map.of(), scenario.pgvault("--pgdata", dir.toString(),
                "restore", "--backup", deepest, "--target", "immediate").toArray(String[]::new));
        assertThat(refused.exitCode()).as(refused.output()).isEqualTo(9);
        assertThat(refused.output()).contains("needs its parent backup " + full + ", which is missing");
    }
}
