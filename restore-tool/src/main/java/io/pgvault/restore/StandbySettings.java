package io.pgvault.restore;

import java.util.Objects;

/**
 * How a standby reaches its primary.
 *
 * @param primaryConninfo libpq connection string to the primary, written as given (it may hold a password, which
 *                        pgvault never prints: see {@link Conninfo#masked})
 * @param slotName        replication slot on the primary (primary_slot_name), or null
 */
public record StandbySettings(String primaryConninfo, String slotName) {

    public StandbySettings {
        Objects.requireNonNull(primaryConninfo, "primaryConninfo");
        if (primaryConninfo.isBlank()) {
            throw new IllegalArgumentException("--primary-conninfo is empty; give the primary's connection string, "
                    + "e.g. 'host=10.0.0.1 port=5432 user=replicator'");
        }
        if (slotName != null && !slotName.matches("[a-z0-9_]{1,63}")) {
            throw new IllegalArgumentException("replication slot name '" + slotName
                    + "' must be 1 to 63 lower-case letters, digits or underscores");
        }
    }

    @Override
    public String toString() {
        return "StandbySettings[primaryConninfo=" + Conninfo.masked(primaryConninfo) + ", slotName=" + slotName + "]";
    }
}
