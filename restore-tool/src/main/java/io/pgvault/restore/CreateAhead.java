package io.pgvault.restore;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.manifest.FileEntry;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Creates the files of a restore on a thread of its own, task by task in the order the workers take the tasks, so
 * the first task starts as soon as its own file exists instead of after every file (creating a thousand files takes
 * the file system about a third of a second). The largest tasks come first and hold few files, so the workers
 * rarely wait. Files in no task (empty ones) come last.
 */
final class CreateAhead implements AutoCloseable {

    /** Creates one file (and writes it, for an empty one). */
    @FunctionalInterface
    interface Action {
        void create(FileEntry file) throws IOException;
    }

    private final List<List<FileEntry>> tasks;
    private final List<FileEntry> rest;
    private final Action action;
    private final Thread thread;
    /** The index of the last task whose files all exist; tasks.size() once {@code rest} is done too. */
    private int done = -1;
    private Exception failure;
    private volatile boolean stopped;

    CreateAhead(List<List<FileEntry>> tasks, List<FileEntry> rest, Action action) {
        this.tasks = tasks;
        this.rest = rest;
        this.action = action;
        this.thread = new Thread(this::run, "restore-create");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        Set<String> created = new HashSet<>();
        try {
            for (int i = 0; i <= tasks.size() && !stopped; i++) {
                for (FileEntry f : i < tasks.size() ? tasks.get(i) : rest) {
                    if (created.add(f.path())) { // the ranges of a file share it
                        action.create(f);
                    }
                }
                synchronized (this) {
                    done = i;
                    notifyAll();
                }
            }
        } catch (Exception e) {
            synchronized (this) {
                failure = e;
                notifyAll();
            }
        }
    }

    /** Waits until the files of task {@code index} exist; throws what failed instead. */
    void await(int index) throws IOException {
        synchronized (this) {
            while (done < index && failure == null) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new PgVaultException(ErrorCode.INTERNAL, "restore interrupted");
                }
            }
            if (done < index) {
                rethrow();
            }
        }
    }

    /** Waits until every file exists, those in no task included. */
    void finish() throws IOException {
        await(tasks.size());
    }

    private void rethrow() throws IOException {
        if (failure instanceof IOException io) {
            throw io;
        }
        if (failure instanceof RuntimeException r) {
            throw r;
        }
        throw new PgVaultException(ErrorCode.INTERNAL, "creating restored files failed: " + failure, failure);
    }

    /** Stops creating (when the restore failed) and waits for the thread, so it writes nothing afterwards. */
    @Override
    public void close() {
        stopped = true;
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
