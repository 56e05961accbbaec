package io.pgvault.core.verify;

/**
 * Something verify found wrong.
 *
 * @param object the object, backup or WAL file concerned
 * @param what   what is wrong, in a few words
 */
public record Problem(String object, String what) {
    @Override
    public String toString() {
        return object + ": " + what;
    }
}
