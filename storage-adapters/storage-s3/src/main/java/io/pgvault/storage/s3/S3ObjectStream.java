package io.pgvault.storage.s3;

import io.pgvault.storage.ObjectNotFoundException;
import io.pgvault.storage.StorageException;
import io.pgvault.storage.StorageException.Reason;
import java.io.IOException;
import java.io.InputStream;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * The body of a GET, from {@code position} up to {@code end} (exclusive). When the connection drops mid-way the read
 * resumes where it stopped with a ranged GET pinned to the first response's ETag ({@code If-Match}), so a restore of a
 * large object survives a flaky network without ever mixing two versions of an object. Not thread-safe.
 */
final class S3ObjectStream extends InputStream {

    private final S3Storage storage;
    private final String key;
    private final long end;
    private long position;
    private String eTag;
    private ResponseInputStream<GetObjectResponse> body;
    private boolean eof;
    private boolean closed;
    /** Consecutive dropped connections without a byte read in between. */
    private int drops;

    private S3ObjectStream(S3Storage storage, String key, long offset, long end) {
        this.storage = storage;
        this.key = key;
        this.position = offset;
        this.end = end;
    }

    /**
     * Sends the first GET, so that a missing object fails here rather than at the first read.
     *
     * @throws ObjectNotFoundException when no object has that key
     */
    static InputStream open(S3Storage storage, String key, long offset, long end) {
        S3ObjectStream stream = new S3ObjectStream(storage, key, offset, end);
        return stream.connect() ? stream : InputStream.nullInputStream();
    }

    /** Returns false when the range starts at or past the end of the object (S3 answers 416). */
    private boolean connect() {
        S3StorageConfig config = storage.config();
        String range = position == 0 && end == Long.MAX_VALUE ? null
                : "bytes=" + position + "-" + (end == Long.MAX_VALUE ? "" : Long.toString(end - 1));
        ResponseInputStream<GetObjectResponse> in = storage.calls().run("read", key, () -> {
            try {
                return storage.client().getObject(b -> b.bucket(config.bucket()).key(storage.bucketKey(key))
                        .range(range).ifMatch(eTag));
            } catch (RuntimeException e) {
                if (S3Errors.is(e, 416, null)) {
                    return null;
                }
                if (S3Errors.is(e, 404, "NoSuchKey")) {
                    throw new ObjectNotFoundException(key);
                }
                if (S3Errors.is(e, 412, null)) {
                    throw new StorageException(Reason.IO, "object " + config.location() + key
                            + " was replaced while being read; read it again", e);
                }
                throw e;
            }
        });
        if (in == null) {
            return false;
        }
        body = in;
        if (eTag == null) {
            eTag = in.response().eTag();
        }
        return true;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new IOException("stream closed: " + key);
        }
        if (len == 0) {
            return 0;
        }
        while (!eof && position < end) {
            int want = (int) Math.min(len, end - position);
            try {
                int n = body.read(b, off, want);
                if (n < 0) {
                    eof = true;
                } else {
                    position += n;
                    drops = 0;
                    return n;
                }
            } catch (IOException e) {
                resume(e);
            }
        }
        return -1;
    }

    private void resume(IOException failure) {
        body.abort();
        drops++;
        if (drops > storage.calls().maxRetries()) {
            throw new StorageException(Reason.UNAVAILABLE, "cannot read " + storage.config().location() + key
                    + ": connection lost at byte " + position + " " + drops + " times, last error "
                    + S3Errors.describe(failure) + "; check the network, or raise s3-max-retries", failure);
        }
        if (!connect()) {
            eof = true;
        }
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (!eof && position < end) {
            body.abort(); // rather than draining the rest of a large object to reuse the connection
        }
        body.close();
    }
}
