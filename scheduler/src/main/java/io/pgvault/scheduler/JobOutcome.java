package io.pgvault.scheduler;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;

/**
 * The result of one run of a job.
 *
 * @param exitCode 0 when it succeeded, else the exit code the same failure has on the command line
 * @param message  one line: what was done, or what failed
 */
public record JobOutcome(int exitCode, String message) {

    public static JobOutcome ok(String message) {
        return new JobOutcome(0, message);
    }

    public static JobOutcome failed(ErrorCode code, String message) {
        return new JobOutcome(code.exitCode(), message);
    }

    /** The outcome of a run that threw: pgvault's own errors keep their code, anything else is internal. */
    public static JobOutcome of(RuntimeException e) {
        if (e instanceof PgVaultException p) {
            return failed(p.code(), p.getMessage());
        }
        return failed(ErrorCode.INTERNAL, "internal error: " + e);
    }

    public boolean succeeded() {
        return exitCode == 0;
    }
}
