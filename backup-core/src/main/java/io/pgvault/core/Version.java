package io.pgvault.core;

/** pgvault's version, recorded in manifests and printed by --version. */
public final class Version {
    public static final String VALUE = "0.1.0";

    private Version() {
    }
}
