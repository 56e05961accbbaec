package io.pgvault.storage.azure;

import com.azure.core.util.Context;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlockList;
import com.azure.storage.blob.models.BlockListType;
import com.azure.storage.blob.specialized.BlockBlobClient;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a writer asks the service after a commit went wrong: whether the blob is there and whose it is, and whether the
 * blocks it staged are still known. Each commit labels its blob with the write's id (blob metadata), which is what
 * makes "is it ours" answerable.
 */
final class CommitRecovery {

    /** Blob metadata naming the write that committed the blob. */
    static final String WRITE_ID = "pgvaultwrite";

    private final BlockBlobClient blob;
    private final String key;
    private final String writeId;
    private final AzureFailures failures;

    CommitRecovery(BlockBlobClient blob, String key, String writeId, AzureFailures failures) {
        this.blob = blob;
        this.key = key;
        this.writeId = writeId;
        this.failures = failures;
    }

    /** The committed blob's properties, or empty when no blob is committed under the key. */
    Optional<BlobProperties> committed() {
        try {
            return Optional.of(blob.getProperties());
        } catch (RuntimeException e) {
            if (AzureFailures.isBlobNotFound(e)) {
                return Optional.empty();
            }
            throw failures.translate("write", key, e);
        }
    }

    /** True when the blob was committed by this write (an earlier try whose answer was lost). */
    boolean isOurs(BlobProperties properties) {
        return properties.getMetadata() != null && writeId.equals(properties.getMetadata().get(WRITE_ID));
    }

    /**
     * True when some block we staged is no longer known to the service. Committing a blob discards every other
     * uncommitted block of it, so this proves another write of the key committed after ours began.
     */
    boolean blocksDiscarded(List<String> blockIds) {
        try {
            BlockList blocks = blob.listBlocks(BlockListType.ALL);
            Set<String> known = new HashSet<>();
            blocks.getCommittedBlocks().forEach(b -> known.add(b.getName()));
            blocks.getUncommittedBlocks().forEach(b -> known.add(b.getName()));
            return !known.containsAll(blockIds);
        } catch (RuntimeException e) {
            throw failures.translate("write", key, e);
        }
    }

    /**
     * Removes the blob if this write committed it and nobody replaced it since, so that a write reported as failed
     * leaves nothing behind. Best effort: it runs on a failure path that has been reported already.
     */
    void deleteIfOurs() {
        try {
            BlobProperties current = blob.getProperties();
            if (isOurs(current)) {
                blob.deleteWithResponse(null, new BlobRequestConditions().setIfMatch(current.getETag()), null,
                        Context.NONE);
            }
        } catch (RuntimeException ignored) {
            // still unreachable, or the blob is gone: either way there is nothing more to do here
        }
    }
}
