package io.pgvault.storage;

import java.io.OutputStream;

/**
 * An object being written. Bytes written are not visible until {@link #commit()} returns. {@link #close()} without a
 * successful commit abandons the write and removes what was uploaded so far, so try-with-resources is safe on error
 * paths. Not thread-safe: one writer per thread.
 */
public abstract class ObjectWriter extends OutputStream {

    private boolean finished;

    /**
     * Makes the object visible and durable under its key.
     *
     * @return the committed object's metadata
     * @throws ObjectExistsException when written with {@link WriteMode#CREATE_NEW} and the key exists
     */
    public final ObjectInfo commit() {
        if (finished) {
            throw new IllegalStateException("write already finished");
        }
        finished = true;
        boolean ok = false;
        try {
            ObjectInfo info = doCommit();
            ok = true;
            return info;
        } finally {
            if (!ok) {
                doAbort();
            }
        }
    }

    /** Abandons the write unless it was committed. Idempotent. */
    @Override
    public final void close() {
        if (!finished) {
            finished = true;
            doAbort();
        }
    }

    /** True once committed or abandoned. */
    protected final boolean isFinished() {
        return finished;
    }

    /** Flushes the remaining bytes, makes the object visible, and returns its metadata. */
    protected abstract ObjectInfo doCommit();

    /** Removes everything this write uploaded; must not throw for cleanup failures (log them instead). */
    protected abstract void doAbort();
}
