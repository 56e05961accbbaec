package io.pgvault.core.pg;

import java.util.regex.Pattern;

/**
 * The name of a file PostgreSQL hands to archive_command or asks of restore_command: a segment, a partial segment, a
 * timeline history file or a backup history file. Anything else — in particular anything with a path separator — is
 * refused, so a hostile name can never address a file outside the archive.
 */
public record WalFileName(String name, Kind kind) {

    /** The kinds of file in the WAL archive. */
    public enum Kind { SEGMENT, PARTIAL, HISTORY, BACKUP_HISTORY }

    private static final Pattern SEGMENT = Pattern.compile("[0-9A-F]{24}");
    private static final Pattern PARTIAL = Pattern.compile("[0-9A-F]{24}\\.partial");
    private static final Pattern HISTORY = Pattern.compile("[0-9A-F]{8}\\.history");
    private static final Pattern BACKUP_HISTORY = Pattern.compile("[0-9A-F]{24}\\.[0-9A-F]{8}\\.backup");

    /**
     * Classifies a WAL file name.
     *
     * @throws IllegalArgumentException naming the text when it is none of the known kinds
     */
    public static WalFileName parse(String name) {
        if (name != null) {
            if (SEGMENT.matcher(name).matches()) {
                return new WalFileName(name, Kind.SEGMENT);
            }
            if (PARTIAL.matcher(name).matches()) {
                return new WalFileName(name, Kind.PARTIAL);
            }
            if (HISTORY.matcher(name).matches()) {
                return new WalFileName(name, Kind.HISTORY);
            }
            if (BACKUP_HISTORY.matcher(name).matches()) {
                return new WalFileName(name, Kind.BACKUP_HISTORY);
            }
        }
        throw new IllegalArgumentException("not a WAL file name: '" + name
                + "' (expected a segment like 000000010000000000000001, a .partial, .history or .backup file)");
    }

    /** The 16-character archive directory for segment-like names; null for history files. */
    public String directory() {
        return kind == Kind.HISTORY ? null : name.substring(0, 16);
    }

    /** The timeline named by the file. */
    public TimelineId timeline() {
        return TimelineId.parseHex(name.substring(0, 8));
    }

    @Override
    public String toString() {
        return name;
    }
}
