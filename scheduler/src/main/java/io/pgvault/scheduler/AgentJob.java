package io.pgvault.scheduler;

/**
 * One kind of work the agent runs on a schedule. Implementations are thin: they hold settings built by the command
 * line and call one core service. {@link #run()} is never called concurrently for one job.
 */
public interface AgentJob {

    /** Short name, shown by {@code pgvault status}: "backup", "verify". */
    String name();

    /**
     * Does the work once.
     *
     * @return what happened; failures may also be thrown as {@link io.pgvault.core.PgVaultException}
     */
    JobOutcome run();
}
