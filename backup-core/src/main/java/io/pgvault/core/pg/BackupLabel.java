package io.pgvault.core.pg;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The fields of a backup_label file that pgvault needs. */
public record BackupLabel(Lsn startLsn, String startWalFile, TimelineId startTimeline, Lsn checkpointLsn) {

    private static final Pattern START_WAL =
            Pattern.compile("START WAL LOCATION: ([0-9A-Fa-f]+/[0-9A-Fa-f]+) \\(file ([0-9A-F]{24})\\)");

    /**
     * Parses backup_label content.
     *
     * @throws IllegalArgumentException when a required line is missing
     */
    public static BackupLabel parse(String content) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : content.split("\n")) {
            int colon = line.indexOf(": ");
            if (colon > 0) {
                fields.put(line.substring(0, colon), line.substring(colon + 2).trim());
            }
        }
        Matcher m = START_WAL.matcher(content);
        if (!m.find()) {
            throw new IllegalArgumentException("backup_label has no START WAL LOCATION line");
        }
        String tli = fields.get("START TIMELINE");
        String checkpoint = fields.get("CHECKPOINT LOCATION");
        if (tli == null || checkpoint == null) {
            throw new IllegalArgumentException("backup_label lacks START TIMELINE or CHECKPOINT LOCATION");
        }
        return new BackupLabel(Lsn.parse(m.group(1)), m.group(2), TimelineId.parseDecimal(tli), Lsn.parse(checkpoint));
    }
}
