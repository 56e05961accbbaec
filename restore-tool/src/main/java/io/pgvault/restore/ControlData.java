package io.pgvault.restore;

import io.pgvault.core.pg.Lsn;
import io.pgvault.core.pg.PgCtl;
import io.pgvault.core.pg.TimelineId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A data directory's control file as pg_controldata prints it (in the C locale, so the labels are stable). */
final class ControlData {

    private final Map<String, String> fields;

    private ControlData(Map<String, String> fields) {
        this.fields = fields;
    }

    /** Reads the control file; empty when pg_controldata is not installed or fails. */
    static Optional<ControlData> read(PgCtl pgCtl, Path pgdata) {
        Path program = pgCtl.binDir().resolve("pg_controldata");
        if (!Files.isExecutable(program)) {
            return Optional.empty();
        }
        PgCtl.Result r = pgCtl.run(List.of(program.toString(), "-D", pgdata.toString()),
                Map.of("LC_ALL", "C", "LANG", "C"), Duration.ofSeconds(30));
        if (r.exitCode() != 0) {
            return Optional.empty();
        }
        return Optional.of(parse(r.output()));
    }

    static ControlData parse(String output) {
        Map<String, String> fields = new HashMap<>();
        for (String line : output.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                fields.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
            }
        }
        return new ControlData(fields);
    }

    /** "in production", "shut down", "shut down in recovery", "in archive recovery", ... */
    String state() {
        return fields.getOrDefault("Database cluster state", "");
    }

    Lsn checkpoint() {
        return lsn("Latest checkpoint location");
    }

    TimelineId checkpointTimeline() {
        return timeline("Latest checkpoint's TimeLineID");
    }

    /** The minimum recovery point (0/0 when none). */
    Lsn minRecoveryPoint() {
        return lsn("Minimum recovery ending location");
    }

    /** The timeline of the minimum recovery point, null when none. */
    TimelineId minRecoveryTimeline() {
        return timeline("Min recovery ending loc's timeline");
    }

    String systemIdentifier() {
        return fields.get("Database system identifier");
    }

    private Lsn lsn(String key) {
        String v = fields.get(key);
        return v == null ? Lsn.ZERO : Lsn.parse(v);
    }

    private TimelineId timeline(String key) {
        String v = fields.get(key);
        return v == null || v.equals("0") ? null : TimelineId.parseDecimal(v);
    }
}
