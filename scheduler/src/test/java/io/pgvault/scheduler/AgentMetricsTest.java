package io.pgvault.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.repo.Repository;
import io.pgvault.scheduler.AgentStatus.JobRun;
import io.pgvault.scheduler.AgentStatus.JobStatus;
import io.pgvault.storage.InMemoryStorage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentMetricsTest {

    @TempDir
    Path dir;

    private final Repository repository = new Repository(new InMemoryStorage(), "main");
    private final Instant started = Instant.parse("2026-11-21T10:00:00Z");

    private AgentStatus status(JobRun lastRun) {
        return new AgentStatus("test", "main", "db1", 42, started, started, null,
                List.of(new JobStatus("backup", "0 0 1 * * ?", null, null, lastRun,
                        lastRun != null && JobRun.OK.equals(lastRun.result()) ? lastRun.finished() : null)),
                new WalArchiver.Snapshot(dir.resolve("spool").toString(), 7, "000000010000000000000007",
                        started.plusSeconds(5), 2, "boom"));
    }

    @Test
    void exposesLagSpoolBackupsAndFailuresInPrometheusFormat() throws Exception {
        Path pgdata = dir.resolve("pgdata");
        Path status = Files.createDirectories(pgdata.resolve("pg_wal/archive_status"));
        Path old = Files.writeString(status.resolve("000000010000000000000008.ready"), "");
        Files.setLastModifiedTime(old, FileTime.from(Instant.now().minusSeconds(120)));
        Files.writeString(status.resolve("000000010000000000000009.ready"), "");
        Files.writeString(status.resolve("000000010000000000000007.done"), "");
        Path spool = Files.createDirectories(dir.resolve("spool"));
        Files.write(spool.resolve("x.ok"), new byte[100]);
        Files.write(Files.createDirectories(spool.resolve("fetch")).resolve("y"), new byte[50]);

        AgentMetrics metrics = new AgentMetrics(repository, () -> status(null), pgdata, spool);
        metrics.jobFinished("backup", JobOutcome.ok("backup done"));
        metrics.jobFinished("backup", JobOutcome.failed(ErrorCode.STORAGE, "bucket gone"));
        metrics.jobFinished("backup", JobOutcome.failed(ErrorCode.STORAGE, "bucket gone"));
        String text = metrics.scrape();

        assertThat(text).contains("# TYPE pgvault_archive_lag_segments gauge\npgvault_archive_lag_segments 2\n")
                .containsPattern("(?m)^pgvault_archive_lag_seconds 1[12][0-9](\\.[0-9]+)?$")
                .contains("pgvault_spool_bytes 150\n")
                .contains("pgvault_archive_pushed_total 7\n")
                .contains("pgvault_failures_total{job=\"archive\",kind=\"push\"} 2\n")
                .contains("pgvault_failures_total{job=\"backup\",kind=\"storage\"} 2\n")
                .contains("pgvault_job_runs_total{job=\"backup\",result=\"ok\"} 1\n")
                .contains("pgvault_job_runs_total{job=\"backup\",result=\"failed\"} 2\n")
                .contains("pgvault_backups{type=\"full\"} 0\n")
                .contains("pgvault_agent_up 1\n")
                .contains("pgvault_agent_start_time_seconds 1795255200\n");
        // every sample line belongs to a family announced by HELP and TYPE
        for (String line : text.split("\n")) {
            if (!line.startsWith("#")) {
                String name = line.split("[{ ]")[0];
                assertThat(text).contains("# TYPE " + name + " ");
            }
        }
    }

    @Test
    void servesMetricsStatusAndHealthOverHttp() throws Exception {
        AtomicReference<AgentStatus> current = new AtomicReference<>(status(null));
        AgentMetrics metrics = new AgentMetrics(repository, current::get, null, null);
        HttpClient http = HttpClient.newHttpClient();
        try (HealthServer server = new HealthServer("127.0.0.1", 0, metrics, current::get)) {
            String base = "http://127.0.0.1:" + server.port();
            HttpResponse<String> m = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(m.statusCode()).isEqualTo(200);
            assertThat(m.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v)
                    .startsWith("text/plain; version=0.0.4"));
            assertThat(m.body()).contains("pgvault_agent_up 1");

            HttpResponse<String> ok = http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).contains("\"status\" : \"ok\"");

            current.set(status(new JobRun(started, started.plusSeconds(3), JobRun.FAILED, 6, "bucket gone")));
            HttpResponse<String> failing = http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(failing.statusCode()).isEqualTo(503);
            assertThat(failing.body()).contains("backup failed").contains("bucket gone");

            HttpResponse<String> s = http.send(HttpRequest.newBuilder(URI.create(base + "/status")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(s.body()).contains("\"cluster\" : \"main\"").contains("\"pid\" : 42");

            HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(405);
        }
    }

    @Test
    void jobStoreSchemaIsQuartzsWithOurPrefixAndNoDrops() {
        List<String> schema = JdbcJobStore.schema();
        assertThat(schema).hasSizeGreaterThan(11);
        assertThat(schema).noneMatch(s -> s.toUpperCase().startsWith("DROP"));
        assertThat(schema).filteredOn(s -> s.startsWith("CREATE TABLE")).hasSize(11)
                .allMatch(s -> s.startsWith("CREATE TABLE PGVAULT_QRTZ_"));
        assertThat(String.join("\n", schema)).doesNotContainPattern("(?<!PGVAULT_)QRTZ_");
    }
}
