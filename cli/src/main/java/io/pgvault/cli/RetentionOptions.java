package io.pgvault.cli;

import io.pgvault.core.retention.RetentionPolicy;
import picocli.CommandLine.Option;

/** The retention settings, shared by expire and the agent's scheduled expire (config keys retain-full, retain-days). */
public class RetentionOptions {

    @Option(names = "--retain-full", paramLabel = "N",
            description = "Keep the N newest full backups and every backup newer than the oldest of them (N >= 1).")
    Integer retainFull;

    @Option(names = "--retain-days", paramLabel = "D",
            description = "Keep every point in time of the last D days: the newest backup that ended before the "
                    + "window starts, everything newer, and their WAL (D >= 1).")
    Integer retainDays;

    /** Whether any retention is configured (the agent schedules expire only then). */
    public boolean isSet() {
        return retainFull != null || retainDays != null;
    }

    /**
     * The policy.
     *
     * @throws io.pgvault.core.PgVaultException CONFIG when neither setting is given or one is below 1
     */
    public RetentionPolicy policy() {
        return new RetentionPolicy(retainFull, retainDays);
    }
}
