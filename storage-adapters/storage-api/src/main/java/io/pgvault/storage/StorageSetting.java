package io.pgvault.storage;

import java.util.Objects;

/**
 * A setting an adapter accepts, so the command line can offer it as a flag, an environment variable
 * ({@code PGVAULT_} + name in upper case with dashes as underscores) and a config-file key.
 *
 * @param name        lower-case dashed name, prefixed by the scheme, e.g. {@code s3-region}
 * @param description one line for --help
 * @param secret      true when the value must never be printed (keys, passwords, tokens)
 */
public record StorageSetting(String name, String description, boolean secret) {
    public StorageSetting {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        if (!name.matches("[a-z][a-z0-9]*(-[a-z0-9]+)*")) {
            throw new IllegalArgumentException("setting name must be lower-case and dashed: " + name);
        }
    }
}
