package io.pgvault.storage.swift;

import static org.assertj.core.api.Assertions.fail;

import io.pgvault.storage.ContainerProvisioning;
import io.pgvault.storage.Storage;
import io.pgvault.storage.Storages;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The Swift that infra/swift.sh runs on 127.0.0.1, with both Keystone v3 and tempauth. PGVAULT_IT_SWIFT_* variables
 * point the tests elsewhere. A server that does not answer fails the tests, loudly: integration tests never skip.
 */
final class SwiftTestServer {

    static final String KEYSTONE_URL = env("PGVAULT_IT_SWIFT_AUTH_URL", "http://127.0.0.1:5000/v3");
    static final String KEYSTONE_USER = env("PGVAULT_IT_SWIFT_USER", "demo");
    static final String KEYSTONE_PASSWORD = env("PGVAULT_IT_SWIFT_PASSWORD", "demopass");
    static final String KEYSTONE_PROJECT = env("PGVAULT_IT_SWIFT_PROJECT", "demo");
    static final String KEYSTONE_DOMAIN = env("PGVAULT_IT_SWIFT_DOMAIN", "Default");
    static final String TEMPAUTH_URL = env("PGVAULT_IT_SWIFT_TEMPAUTH_URL", "http://127.0.0.1:8080/auth/v1.0");
    static final String TEMPAUTH_USER = env("PGVAULT_IT_SWIFT_TEMPAUTH_USER", "test:tester");
    static final String TEMPAUTH_KEY = env("PGVAULT_IT_SWIFT_TEMPAUTH_KEY", "testing");
    /** Small, so that a few hundred kilobytes already make a static large object of several segments. */
    static final int SEGMENT_SIZE = 64 << 10;

    private SwiftTestServer() {
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    /** Fails the calling test unless both identity endpoints answer HTTP. */
    static void requireUp() {
        for (String url : new String[] {KEYSTONE_URL, TEMPAUTH_URL}) {
            try {
                HttpURLConnection connection = (HttpURLConnection) URI.create(url).toURL().openConnection();
                connection.setConnectTimeout(3000);
                connection.setReadTimeout(10000);
                connection.getResponseCode();
                connection.disconnect();
            } catch (IOException e) {
                fail("the Swift test server does not answer at " + url + " (" + e + "): run infra/swift.sh (as root) "
                        + "to start Swift with Keystone and tempauth on 127.0.0.1, or set PGVAULT_IT_SWIFT_AUTH_URL / "
                        + "PGVAULT_IT_SWIFT_TEMPAUTH_URL");
            }
        }
    }

    static Map<String, String> keystone() {
        Map<String, String> settings = new HashMap<>();
        settings.put("swift-auth-url", KEYSTONE_URL);
        settings.put("swift-user", KEYSTONE_USER);
        settings.put("swift-password", KEYSTONE_PASSWORD);
        settings.put("swift-project", KEYSTONE_PROJECT);
        settings.put("swift-user-domain", KEYSTONE_DOMAIN);
        settings.put("swift-project-domain", KEYSTONE_DOMAIN);
        settings.put("swift-segment-size", Integer.toString(SEGMENT_SIZE));
        settings.put("swift-upload-concurrency", "3");
        return settings;
    }

    static Map<String, String> tempauth(String authUrl) {
        Map<String, String> settings = new HashMap<>();
        settings.put("swift-auth-url", authUrl);
        settings.put("swift-user", TEMPAUTH_USER);
        settings.put("swift-key", TEMPAUTH_KEY);
        settings.put("swift-segment-size", Integer.toString(SEGMENT_SIZE));
        settings.put("swift-upload-concurrency", "3");
        return settings;
    }

    /** A container name no other test run uses. */
    static String newContainer(String tag) {
        return "pgvault-it-" + tag + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Opens the adapter for {@code swift://container} and creates the containers. */
    static Storage openWithContainers(String container, Map<String, String> settings) {
        Storage storage = Storages.open("swift://" + container, settings, Map.of());
        ((ContainerProvisioning) storage).ensureContainer();
        return storage;
    }
}
