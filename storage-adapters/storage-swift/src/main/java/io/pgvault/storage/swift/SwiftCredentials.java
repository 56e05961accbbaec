package io.pgvault.storage.swift;

import java.net.URI;
import java.util.Objects;

/**
 * Who the adapter logs in as. Keystone v3 ({@code version} 3) uses user, password, project, the two domains and an
 * optional region; tempauth ({@code version} 1) uses user ({@code account:user}) and key. {@link #toString()} never
 * shows the secret.
 *
 * @param version       1 (tempauth, {@code /auth/v1.0}) or 3 (Keystone v3)
 * @param authUrl       the identity endpoint, e.g. {@code http://keystone:5000/v3}
 * @param user          user name ({@code account:user} for tempauth)
 * @param secret        password (Keystone) or key (tempauth)
 * @param project       Keystone project name; null for tempauth
 * @param userDomain    Keystone user domain name; null for tempauth
 * @param projectDomain Keystone project domain name; null for tempauth
 * @param region        Keystone region of the object-store endpoint; null for any
 * @param origin        where the credentials came from, for error messages (setting or variable names)
 */
public record SwiftCredentials(int version, URI authUrl, String user, String secret, String project,
                               String userDomain, String projectDomain, String region, String origin) {

    public SwiftCredentials {
        Objects.requireNonNull(authUrl, "authUrl");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(secret, "secret");
        Objects.requireNonNull(origin, "origin");
        if (version != 1 && version != 3) {
            throw new IllegalArgumentException("auth version must be 1 or 3: " + version);
        }
        if (version == 3) {
            Objects.requireNonNull(project, "project");
            Objects.requireNonNull(userDomain, "userDomain");
            Objects.requireNonNull(projectDomain, "projectDomain");
        }
    }

    /** Who, for messages: user and project, never the secret. */
    String describe() {
        return version == 1 ? "tempauth user '" + user + "' at " + authUrl
                : "keystone user '" + user + "' (domain " + userDomain + ") in project '" + project + "' (domain "
                + projectDomain + ") at " + authUrl;
    }

    @Override
    public String toString() {
        return "SwiftCredentials[version=" + version + ", authUrl=" + authUrl + ", user=" + user + ", secret=****"
                + (version == 3 ? ", project=" + project + ", userDomain=" + userDomain + ", projectDomain="
                + projectDomain + ", region=" + region : "") + ", origin=" + origin + "]";
    }
}
