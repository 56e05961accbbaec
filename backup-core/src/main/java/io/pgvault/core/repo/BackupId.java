package io.pgvault.core.repo;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Pattern;

/**
 * A backup's id: its start time in UTC and its type letter, e.g. {@code 20261121T101500F} (F full, D differential,
 * I incremental). Ids sort in time order as strings.
 */
public record BackupId(String value) implements Comparable<BackupId> {

    private static final Pattern FORM = Pattern.compile("\\d{8}T\\d{6}[FDI]");
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss")
            .withZone(ZoneOffset.UTC);

    public BackupId {
        if (value == null || !FORM.matcher(value).matches()) {
            throw new IllegalArgumentException("not a backup id: '" + value + "' (expected e.g. 20261121T101500F)");
        }
    }

    @JsonCreator
    public static BackupId parse(String value) {
        return new BackupId(value);
    }

    public static BackupId of(Instant start, BackupType type) {
        return new BackupId(STAMP.format(start) + type.letter());
    }

    public BackupType type() {
        return BackupType.fromLetter(value.charAt(value.length() - 1));
    }

    @Override
    public int compareTo(BackupId o) {
        return value.compareTo(o.value);
    }

    @JsonValue
    @Override
    public String toString() {
        return value;
    }
}
