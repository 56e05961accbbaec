package io.pgvault.core.verify;

import java.util.List;

/**
 * The outcome of a verification.
 *
 * @param backups  backups checked
 * @param files    files re-read and checksummed
 * @param bytes    original bytes re-read
 * @param walFiles archived WAL files re-read and checksummed
 * @param problems everything found wrong; empty when healthy
 */
public record VerifyReport(int backups, long files, long bytes, long walFiles, List<Problem> problems) {
    public boolean healthy() {
        return problems.isEmpty();
    }
}
