package io.pgvault.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgvault.core.pg.Lsn;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RecoveryTargetTest {

    private static OffsetDateTime parse(String text) {
        return RecoveryTarget.parseTime(text).time();
    }

    @Test
    void isoWithFractionAndColonOffset() {
        assertThat(parse("2026-11-20T10:15:00.25+00:00"))
                .isEqualTo(OffsetDateTime.of(2026, 11, 20, 10, 15, 0, 250_000_000, ZoneOffset.UTC));
    }

    @Test
    void spaceInsteadOfTAndShortOffsetAsPostgresPrintsIt() {
        assertThat(parse("2026-11-20 10:15:00+00"))
                .isEqualTo(OffsetDateTime.of(2026, 11, 20, 10, 15, 0, 0, ZoneOffset.UTC));
        assertThat(parse("2026-11-20 10:15:00.123456-07"))
                .isEqualTo(OffsetDateTime.of(2026, 11, 20, 10, 15, 0, 123_456_000, ZoneOffset.ofHours(-7)));
    }

    @Test
    void zuluAndCompactOffsets() {
        assertThat(parse("2026-11-20T10:15:00Z")).isEqualTo(OffsetDateTime.of(2026, 11, 20, 10, 15, 0, 0,
                ZoneOffset.UTC));
        assertThat(parse("2026-11-20T10:15:00+0530")).isEqualTo(OffsetDateTime.of(2026, 11, 20, 10, 15, 0, 0,
                ZoneOffset.ofHoursMinutes(5, 30)));
        assertThat(parse("2026-11-20T10:15:00-03:30")).isEqualTo(OffsetDateTime.of(2026, 11, 20, 10, 15, 0, 0,
                ZoneOffset.ofHoursMinutes(-3, -30)));
        assertThat(parse("2026-11-20T10:15:00 +01:00").getOffset()).isEqualTo(ZoneOffset.ofHours(1));
    }

    @Test
    void theOffsetIsKeptNotConverted() {
        OffsetDateTime t = parse("2026-11-20T15:45:00+05:30");
        assertThat(t.getOffset()).isEqualTo(ZoneOffset.ofHoursMinutes(5, 30));
        assertThat(t.toInstant()).isEqualTo(parse("2026-11-20T10:15:00Z").toInstant());
    }

    @Test
    void fractionalSecondsFromOneToNineDigits() {
        assertThat(parse("2026-11-20T10:15:00.1Z").getNano()).isEqualTo(100_000_000);
        assertThat(parse("2026-11-20T10:15:00.123Z").getNano()).isEqualTo(123_000_000);
        assertThat(parse("2026-11-20T10:15:00.123456Z").getNano()).isEqualTo(123_456_000);
        assertThat(parse("2026-11-20T10:15:00.123456789Z").getNano()).isEqualTo(123_456_789);
    }

    @Test
    void secondsAreOptional() {
        assertThat(parse("2026-11-20T10:15+01:00"))
                .isEqualTo(OffsetDateTime.of(2026, 11, 20, 10, 15, 0, 0, ZoneOffset.ofHours(1)));
    }

    @Test
    void surroundingWhitespaceIsIgnored() {
        assertThat(parse("  2026-11-20T10:15:00Z\n")).isEqualTo(parse("2026-11-20T10:15:00Z"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-11-20T10:15:00", "2026-11-20 10:15:00", "2026-11-20 10:15", "2026-11-20T10:15:00.25",
        "2026-11-20 10:15:00.123456789"})
    void aTimeWithoutZoneIsRefusedNotGuessed(String text) {
        assertThatThrownBy(() -> RecoveryTarget.parseTime(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no time zone")
                .hasMessageContaining("'" + text + "'")
                .hasMessageContaining(text + "+00:00");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "yesterday", "now", "2026-11-20", "10:15:00Z", "2026/11/20 10:15:00Z",
        "20261120T101500Z", "2026-11-20T10:15:00.1234567890Z", "2026-13-01T10:15:00Z", "2026-11-20T25:00:00Z",
        "2026-11-20T10:60:00Z", "2026-11-20T10:15:00+25:00", "2026-11-20T10:15:00 UTC", "2026-11-20T10:15:00Z junk",
        "1700000000"})
    void garbageIsRefused(String text) {
        assertThatThrownBy(() -> RecoveryTarget.parseTime(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + text + "'")
                .hasMessageContaining("is not an ISO-8601 time with a zone");
    }

    @ParameterizedTest
    @ValueSource(strings = {"2026-02-30T10:15:00Z", "2026-02-29 10:15:00+00", "2026-04-31T10:15:00Z",
        "2026-11-20T24:00:00Z"})
    void impossibleDatesAreRefusedNotMovedToAnotherDay(String text) {
        assertThatThrownBy(() -> RecoveryTarget.parseTime(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + text + "'");
    }

    @Test
    void leapDayOfALeapYearIsFine() {
        assertThat(parse("2028-02-29T12:00:00Z").getDayOfMonth()).isEqualTo(29);
    }

    @Test
    void nullIsRefused() {
        assertThatThrownBy(() -> RecoveryTarget.parseTime(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void timeSettingIsPostgresFormatWithMicroseconds() {
        RecoveryTarget t = RecoveryTarget.parseTime("2026-11-20T10:15:00.25+00:00");
        assertThat(t.settingName()).isEqualTo("recovery_target_time");
        assertThat(t.settingValue()).isEqualTo("2026-11-20 10:15:00.250000+00:00");
        assertThat(t.describe()).isEqualTo("time 2026-11-20 10:15:00.250000+00:00");
        assertThat(RecoveryTarget.parseTime("2026-11-20 10:15:00+0530").settingValue())
                .isEqualTo("2026-11-20 10:15:00.000000+05:30");
        assertThat(RecoveryTarget.parseTime("2026-11-20T10:15:00Z").settingValue())
                .isEqualTo("2026-11-20 10:15:00.000000+00:00");
        assertThat(RecoveryTarget.parseTime("2026-11-20T10:15:00-08:00").settingValue())
                .isEqualTo("2026-11-20 10:15:00.000000-08:00");
    }

    @Test
    void timeSettingTruncatesBelowPostgresMicrosecondResolution() {
        // PostgreSQL timestamps have microseconds; truncating keeps every commit at or before the target included
        assertThat(RecoveryTarget.parseTime("2026-11-20T10:15:00.123456789Z").settingValue())
                .isEqualTo("2026-11-20 10:15:00.123456+00:00");
    }

    @Test
    void timeSettingRoundTripsThroughTheParser() {
        RecoveryTarget.Time t = RecoveryTarget.parseTime("2026-11-20T10:15:00.654321+02:00");
        assertThat(RecoveryTarget.parseTime(t.settingValue())).isEqualTo(t);
    }

    @Test
    void otherTargetsSettings() {
        RecoveryTarget end = new RecoveryTarget.EndOfArchive();
        assertThat(end.settingName()).isNull();
        assertThat(end.settingValue()).isNull();
        assertThat(end.describe()).isEqualTo("the end of the archive");

        RecoveryTarget immediate = new RecoveryTarget.Immediate();
        assertThat(immediate.settingName()).isEqualTo("recovery_target");
        assertThat(immediate.settingValue()).isEqualTo("immediate");

        RecoveryTarget lsn = new RecoveryTarget.AtLsn(Lsn.parse("0/3000060"));
        assertThat(lsn.settingName()).isEqualTo("recovery_target_lsn");
        assertThat(lsn.settingValue()).isEqualTo("0/3000060");
        assertThat(lsn.describe()).isEqualTo("LSN 0/3000060");

        RecoveryTarget xid = new RecoveryTarget.Xid(12345);
        assertThat(xid.settingName()).isEqualTo("recovery_target_xid");
        assertThat(xid.settingValue()).isEqualTo("12345");
        assertThat(xid.describe()).isEqualTo("transaction 12345");

        RecoveryTarget name = new RecoveryTarget.Name("before_upgrade");
        assertThat(name.settingName()).isEqualTo("recovery_target_name");
        assertThat(name.settingValue()).isEqualTo("before_upgrade");
        assertThat(name.describe()).isEqualTo("restore point 'before_upgrade'");
    }

    @Test
    void xidMustBeANormalTransactionId() {
        assertThatThrownBy(() -> new RecoveryTarget.Xid(2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RecoveryTarget.Xid(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RecoveryTarget.Xid(-5)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new RecoveryTarget.Xid(3).xid()).isEqualTo(3);
    }

    @Test
    void restorePointNameIsOneToSixtyThreeCharacters() {
        assertThatThrownBy(() -> new RecoveryTarget.Name("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RecoveryTarget.Name(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RecoveryTarget.Name("x".repeat(64))).isInstanceOf(IllegalArgumentException.class);
        assertThat(new RecoveryTarget.Name("x".repeat(63)).name()).hasSize(63);
    }

    @Test
    void timeRequiresAValue() {
        assertThatThrownBy(() -> new RecoveryTarget.Time(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void targetActionParses() {
        assertThat(TargetAction.parse("promote")).isEqualTo(TargetAction.PROMOTE);
        assertThat(TargetAction.parse(" Pause ")).isEqualTo(TargetAction.PAUSE);
        assertThat(TargetAction.parse("SHUTDOWN")).isEqualTo(TargetAction.SHUTDOWN);
        assertThat(TargetAction.SHUTDOWN).hasToString("shutdown");
        assertThatThrownBy(() -> TargetAction.parse("stop")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'stop'").hasMessageContaining("promote, pause or shutdown");
    }
}
