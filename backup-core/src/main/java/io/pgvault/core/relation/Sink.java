package io.pgvault.core.relation;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a client's credentials are delivered: a file (always; mode 0600) and optionally a hook command that runs
 * with the values in its environment.
 *
 * @param file   absolute path of the credentials file
 * @param format json, env or pgpass
 * @param hook   shell command run (sh -c) with the values in its environment, or null
 */
public record Sink(String file, CredentialsFormat format, String hook) {

    public Sink {
        Objects.requireNonNull(format, "format");
        if (file == null || !Path.of(file).isAbsolute()) {
            throw new IllegalArgumentException("the credentials file must be an absolute path, not "
                    + SqlIdentifier.printable(file));
        }
        if (!format.sinkable()) {
            throw new IllegalArgumentException("a credentials file is json, env or pgpass, not " + format.label());
        }
        if (hook != null && hook.isBlank()) {
            hook = null;
        }
    }

    public Path path() {
        return Path.of(file);
    }
}
