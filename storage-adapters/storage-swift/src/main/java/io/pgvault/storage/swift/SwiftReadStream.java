package io.pgvault.storage.swift;

import io.pgvault.storage.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;
import org.openstack4j.core.transport.HttpResponse;

/**
 * The body of a GET that survives a broken or stalled connection: when reading fails mid-way (or
 * {@link StallWatchdog} ends a read that waited too long) it asks again for the rest (a ranged GET from the current
 * position), at most {@code maxResumes} times per stream, and only while the object is the same version (same
 * X-Timestamp) as when the read began, so that a read never splices two versions together.
 */
final class SwiftReadStream extends InputStream {

    /** Sends the GET of bytes {@code [position, end)}; {@code end} is Long.MAX_VALUE for "to the end". */
    interface Opener {
        HttpResponse open(long position, long end);
    }

    private final String key;
    private final Opener opener;
    private final long end;
    private final String version;
    private final int maxResumes;
    private final StallWatchdog.Guard guard;
    private volatile HttpResponse response;
    private volatile InputStream body;
    private long position;
    private int resumes;
    private boolean closed;

    SwiftReadStream(String key, HttpResponse first, Opener opener, long position, long end, int maxResumes,
                    StallWatchdog watchdog) {
        this.key = key;
        this.guard = watchdog.guard(() -> body.close()); // whichever body is current when the read stalls
        this.opener = opener;
        this.response = first;
        this.body = first.getInputStream();
        this.position = position;
        this.end = end;
        this.version = first.header("X-Timestamp");
        this.maxResumes = maxResumes;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (closed) {
            throw new IOException("read of " + key + " after close");
        }
        if (len == 0) {
            return 0;
        }
        while (position < end) {
            IOException failure = null;
            int n = 0;
            guard.arm();
            try {
                n = body.read(b, off, (int) Math.min(len, end - position));
            } catch (IOException e) {
                failure = e;
            } finally {
                guard.disarm();
            }
            if (failure == null && !guard.fired()) {
                if (n > 0) {
                    position += n;
                }
                return n;
            }
            // a stalled read may end as a clean end of stream once its stream is closed: never take that for the end
            String why = guard.fired() ? "no data within swift-request-timeout" : SwiftHttpConnector.describe(failure);
            if (resumes++ >= maxResumes) {
                throw new IOException("read of " + key + " failed at byte " + position + " after " + maxResumes
                        + " resumptions: " + why, failure);
            }
            if (!resume()) {
                return -1;
            }
        }
        return -1;
    }

    /** Asks for the rest; false when there is none (the object ends here). */
    private boolean resume() throws IOException {
        SwiftRequests.close(response);
        try {
            response = opener.open(position, end);
        } catch (StorageException e) {
            throw new IOException(e.getMessage(), e);
        }
        int status = response.getStatus();
        if (status == 416) {
            return false;
        }
        if (status != 206 || !Objects.equals(version, response.header("X-Timestamp"))) {
            SwiftRequests.close(response);
            throw new IOException("read of " + key + " broke at byte " + position + " and the object "
                    + (status == 404 ? "is gone" : status == 206 ? "was replaced meanwhile" : "answers HTTP " + status)
                    + "; read it again");
        }
        body = response.getInputStream();
        return true;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            SwiftRequests.close(response);
        }
    }
}
