package io.pgvault.storage.azure;

import io.pgvault.storage.StorageException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The SDK's chunked blob stream, with its failures reworded: they name the object and carry no secret. Each chunk is
 * one ranged request pinned to the blob's ETag, so a blob replaced while it is read fails the read instead of mixing
 * two versions.
 */
final class BlobReadStream extends FilterInputStream {

    private final String key;
    private final AzureFailures failures;

    BlobReadStream(InputStream in, String key, AzureFailures failures) {
        super(in);
        this.key = key;
        this.failures = failures;
    }

    @Override
    public int read() throws IOException {
        try {
            return super.read();
        } catch (IOException | RuntimeException e) {
            throw reworded(e);
        }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        try {
            return super.read(b, off, len);
        } catch (IOException | RuntimeException e) {
            throw reworded(e);
        }
    }

    @Override
    public long skip(long n) throws IOException {
        try {
            return super.skip(n);
        } catch (IOException | RuntimeException e) {
            throw reworded(e);
        }
    }

    /** An IOException, as streams throw, whose cause is the StorageException with the failure's reason. */
    private IOException reworded(Exception e) {
        Throwable sdkFailure = e instanceof IOException && e.getCause() != null ? e.getCause() : e;
        StorageException failure = failures.translate("read", key, sdkFailure);
        return new IOException(failure.getMessage(), failure);
    }
}
