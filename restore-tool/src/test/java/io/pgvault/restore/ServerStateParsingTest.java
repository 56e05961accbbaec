package io.pgvault.restore;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgvault.core.pg.TimelineId;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What pgvault reads from a server it runs: its log, its control file, its postmaster.pid. */
class ServerStateParsingTest {

    private static final String LOG = """
            2026-01-01 10:00:00.000 UTC [1] FATAL:  the database system is starting up
            2026-01-01 10:00:01.000 UTC [2] LOG:  redo done at 0/301B230 system usage: CPU: user: 0.00 s
            2026-01-01 10:00:01.000 UTC [2] LOG:  last completed transaction was at log time 2026-01-01 09:59:59.5+00
            2026-01-01 10:00:01.000 UTC [2] FATAL:  recovery ended before configured recovery target was reached
            2026-01-01 10:00:02.000 UTC [3] FATAL:  the database system is shutting down
            """;

    @Test
    void readsHowFarRecoveryWentAndWhyItStopped() {
        assertThat(ServerLog.redoDoneAt(LOG)).contains("0/301B230");
        assertThat(ServerLog.lastTransactionTime(LOG)).contains("2026-01-01 09:59:59.5+00");
        assertThat(ServerLog.lastError(LOG)).contains("FATAL:  recovery ended before configured recovery target "
                + "was reached");
        assertThat(ServerLog.stoppingLine("x LOG:  recovery stopping before commit of transaction 7, time T\n"))
                .contains("recovery stopping before commit of transaction 7, time T");
        assertThat(ServerLog.lastError("LOG: fine\n")).isEmpty();
    }

    @Test
    void readsTheControlFile() {
        ControlData c = ControlData.parse("""
                Database cluster state:               shut down in recovery
                Latest checkpoint location:           0/5000060
                Latest checkpoint's TimeLineID:       1
                Minimum recovery ending location:     0/6000100
                Min recovery ending loc's timeline:   2
                Database system identifier:           7000000000000000001
                """);
        assertThat(c.state()).isEqualTo("shut down in recovery");
        assertThat(c.checkpoint().toString()).isEqualTo("0/5000060");
        assertThat(c.checkpointTimeline()).isEqualTo(TimelineId.of(1));
        assertThat(c.minRecoveryPoint().toString()).isEqualTo("0/6000100");
        assertThat(c.minRecoveryTimeline()).isEqualTo(TimelineId.of(2));
        assertThat(ControlData.parse("Min recovery ending loc's timeline:   0\n").minRecoveryTimeline()).isNull();
    }

    @Test
    void readsPostmasterPid(@TempDir Path pgdata) throws Exception {
        Files.writeString(pgdata.resolve("postmaster.pid"), ProcessHandle.current().pid() + "\n" + pgdata
                + "\n1700000000\n5433\n/tmp\n*\n  1234567     12\nstandby\n");
        PostmasterPid pid = PostmasterPid.read(pgdata).orElseThrow();
        assertThat(pid.port()).isEqualTo(5433);
        assertThat(pid.host()).isEqualTo("127.0.0.1");
        assertThat(pid.acceptsConnections()).isTrue();
        assertThat(pid.alive()).isTrue();
        assertThat(new PostmasterPid(1, 5432, "10.0.0.5,127.0.0.1", "starting").host()).isEqualTo("10.0.0.5");
        assertThat(new PostmasterPid(1, 5432, "", "starting").host()).isNull();
        Files.writeString(pgdata.resolve("postmaster.pid"), "123\n");
        assertThat(PostmasterPid.read(pgdata)).isEmpty();
    }
}
