package io.pgvault.restore;

import io.pgvault.core.pg.Lsn;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoField;
import java.util.Objects;

/** Where recovery stops. */
public sealed interface RecoveryTarget {

    /** The recovery_target_* setting name and value, or null for the end of the archive. */
    String settingName();

    String settingValue();

    /** How the target reads in messages. */
    String describe();

    /** Replay all archived WAL. */
    record EndOfArchive() implements RecoveryTarget {
        public String settingName() {
            return null;
        }

        public String settingValue() {
            return null;
        }

        public String describe() {
            return "the end of the archive";
        }
    }

    /** Stop as soon as the backup is consistent. */
    record Immediate() implements RecoveryTarget {
        public String settingName() {
            return "recovery_target";
        }

        public String settingValue() {
            return "immediate";
        }

        public String describe() {
            return "the end of the backup (immediate)";
        }
    }

    /** Stop at a time (commits after it are not replayed). */
    record Time(OffsetDateTime time) implements RecoveryTarget {
        private static final DateTimeFormatter PG = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSSxxx");

        public Time {
            Objects.requireNonNull(time);
        }

        public String settingName() {
            return "recovery_target_time";
        }

        public String settingValue() {
            return PG.format(time);
        }

        public String describe() {
            return "time " + settingValue();
        }
    }

    /** Stop at a WAL location. */
    record AtLsn(Lsn lsn) implements RecoveryTarget {
        public String settingName() {
            return "recovery_target_lsn";
        }

        public String settingValue() {
            return lsn.toString();
        }

        public String describe() {
            return "LSN " + lsn;
        }
    }

    /** Stop at a transaction id. */
    record Xid(long xid) implements RecoveryTarget {
        public Xid {
            if (xid < 3) {
                throw new IllegalArgumentException("target xid " + xid + " is not a normal transaction id (3 or more)");
            }
        }

        public String settingName() {
            return "recovery_target_xid";
        }

        public String settingValue() {
            return Long.toString(xid);
        }

        public String describe() {
            return "transaction " + xid;
        }
    }

    /** Stop at a restore point made with pg_create_restore_point. */
    record Name(String name) implements RecoveryTarget {
        public Name {
            if (name == null || name.isEmpty() || name.length() > 63) {
                throw new IllegalArgumentException("restore point name must be 1 to 63 characters");
            }
        }

        public String settingName() {
            return "recovery_target_name";
        }

        public String settingValue() {
            return name;
        }

        public String describe() {
            return "restore point '" + name + "'";
        }
    }

    /**
     * ISO-8601 with a zone; 'T' or a space between date and time; fractions of seconds allowed. Strict, so an
     * impossible date (February 30) is refused instead of being moved to another day.
     */
    DateTimeFormatter ISO_WITH_ZONE = new DateTimeFormatterBuilder()
            .appendPattern("uuuu-MM-dd")
            .optionalStart().appendLiteral('T').optionalEnd()
            .optionalStart().appendLiteral(' ').optionalEnd()
            .appendPattern("HH:mm")
            .optionalStart().appendPattern(":ss")
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 1, 9, true).optionalEnd()
            .optionalEnd()
            .optionalStart().appendLiteral(' ').optionalEnd()
            // the zone: Z, +05:30, +0530 or +05 (the first form that fits wins)
            .optionalStart().appendOffset("+HH:MM:ss", "Z").optionalEnd()
            .optionalStart().appendOffset("+HHMMss", "Z").optionalEnd()
            .optionalStart().appendOffset("+HH", "Z").optionalEnd()
            .toFormatter()
            .withResolverStyle(ResolverStyle.STRICT);

    /**
     * Parses a target time. A time without a zone is refused rather than guessed.
     *
     * @throws IllegalArgumentException naming the text and the expected form
     */
    static Time parseTime(String text) {
        String t = text == null ? "" : text.trim();
        try {
            return new Time(OffsetDateTime.parse(t, ISO_WITH_ZONE));
        } catch (DateTimeParseException e) {
            boolean noZone = t.matches("\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?");
            throw new IllegalArgumentException("target time '" + text + "' "
                    + (noZone ? "has no time zone; add one, e.g. " + t + "+00:00 (pgvault never guesses a zone)"
                    : "is not an ISO-8601 time with a zone, e.g. 2026-11-20T10:15:00.25+00:00"));
        }
    }
}
