package io.pgvault.storage.swift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgvault.storage.StorageException;
import io.pgvault.storage.StorageException.Reason;
import io.pgvault.storage.StorageSetting;
import io.pgvault.storage.Storages;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How URLs, settings and the environment become a configuration, and what is refused. No server needed. */
class SwiftSettingsTest {

    private static final String SECRET = "s3cr3t-value";

    private static Map<String, String> keystone() {
        Map<String, String> settings = new HashMap<>();
        settings.put("swift-auth-url", "https://keystone.example:5000/v3");
        settings.put("swift-user", "backup");
        settings.put("swift-password", SECRET);
        settings.put("swift-project", "dbs");
        return settings;
    }

    private static SwiftStorageConfig parse(String url, Map<String, String> settings, Map<String, String> env) {
        return SwiftSettings.parse(URI.create(url), settings, env);
    }

    private static void refused(String url, Map<String, String> settings, Map<String, String> env, String... says) {
        assertThatThrownBy(() -> parse(url, settings, env))
                .isInstanceOfSatisfying(StorageException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.CONFIGURATION))
                .hasMessageContainingAll(says).hasMessageNotContaining(SECRET);
    }

    @Test
    void keystoneFromSettingsWithDefaults() {
        SwiftStorageConfig config = parse("swift://backups/cluster-a/", keystone(), Map.of());
        assertThat(config.container()).isEqualTo("backups");
        assertThat(config.segmentsContainer()).isEqualTo("backups_segments");
        assertThat(config.prefix()).isEqualTo("cluster-a/");
        SwiftCredentials credentials = config.credentials();
        assertThat(credentials.version()).isEqualTo(3);
        assertThat(credentials.authUrl()).hasToString("https://keystone.example:5000/v3");
        assertThat(credentials.userDomain()).isEqualTo("Default");
        assertThat(credentials.projectDomain()).isEqualTo("Default");
        assertThat(credentials.region()).isNull();
        assertThat(config.segmentSize()).isEqualTo(32 << 20);
        assertThat(config.uploadConcurrency()).isEqualTo(2);
        assertThat(config.requestTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.maxRetries()).isEqualTo(6);
        assertThat(config.storagePolicy()).isNull();
    }

    @Test
    void tuningSettings() {
        Map<String, String> settings = keystone();
        settings.put("swift-segment-size", "64MiB");
        settings.put("swift-upload-concurrency", "4");
        settings.put("swift-request-timeout", "15");
        settings.put("swift-max-retries", "0");
        settings.put("swift-storage-policy", "gold");
        settings.put("swift-region", "RegionTwo");
        SwiftStorageConfig config = parse("swift://c", settings, Map.of());
        assertThat(config.segmentSize()).isEqualTo(64 << 20);
        assertThat(config.uploadConcurrency()).isEqualTo(4);
        assertThat(config.requestTimeout()).isEqualTo(Duration.ofSeconds(15));
        assertThat(config.maxRetries()).isZero();
        assertThat(config.storagePolicy()).isEqualTo("gold");
        assertThat(config.credentials().region()).isEqualTo("RegionTwo");
        assertThat(config.prefix()).isEmpty();
        assertThat(SwiftSettings.parseSize("512k")).isEqualTo(512 << 10);
        assertThat(SwiftSettings.parseSize("1 GB")).isEqualTo(1 << 30);
        assertThat(SwiftSettings.parseSize("100")).isEqualTo(100);
        assertThat(SwiftSettings.parseSize("12 parsecs")).isEqualTo(-1);
    }

    @Test
    void keystoneFromTheOpenStackEnvironment() {
        Map<String, String> env = Map.of("OS_AUTH_URL", "http://10.0.0.1:5000", "OS_USERNAME", "u",
                "OS_PASSWORD", SECRET, "OS_PROJECT_NAME", "p", "OS_USER_DOMAIN_NAME", "ud",
                "OS_PROJECT_DOMAIN_NAME", "pd", "OS_REGION_NAME", "r1");
        SwiftCredentials credentials = parse("swift://c", Map.of(), env).credentials();
        assertThat(credentials.version()).isEqualTo(3);
        assertThat(credentials.authUrl()).hasToString("http://10.0.0.1:5000/v3");
        assertThat(credentials.user()).isEqualTo("u");
        assertThat(credentials.secret()).isEqualTo(SECRET);
        assertThat(credentials.project()).isEqualTo("p");
        assertThat(credentials.userDomain()).isEqualTo("ud");
        assertThat(credentials.projectDomain()).isEqualTo("pd");
        assertThat(credentials.region()).isEqualTo("r1");
    }

    @Test
    void tempauthFromSettingsOrEnvironment() {
        Map<String, String> settings = Map.of("swift-auth-url", "http://127.0.0.1:8080/auth/v1.0",
                "swift-user", "test:tester", "swift-key", SECRET);
        SwiftCredentials fromUrl = parse("swift://c", settings, Map.of()).credentials();
        assertThat(fromUrl.version()).isEqualTo(1);
        assertThat(fromUrl.secret()).isEqualTo(SECRET);

        Map<String, String> explicit = new HashMap<>(settings);
        explicit.put("swift-auth-url", "http://auth.example/custom");
        explicit.put("swift-auth-version", "1");
        assertThat(parse("swift://c", explicit, Map.of()).credentials().version()).isEqualTo(1);

        Map<String, String> env = Map.of("ST_AUTH", "http://h:8080/auth/v1.0", "ST_USER", "a:b", "ST_KEY", SECRET);
        SwiftCredentials fromEnv = parse("swift://c", Map.of(), env).credentials();
        assertThat(fromEnv.version()).isEqualTo(1);
        assertThat(fromEnv.user()).isEqualTo("a:b");
    }

    @Test
    void settingsWinOverTheEnvironmentAsAWhole() {
        Map<String, String> env = Map.of("OS_AUTH_URL", "http://env:5000/v3", "OS_USERNAME", "env-user",
                "OS_PASSWORD", "env-pass", "OS_PROJECT_NAME", "env-project", "OS_USER_DOMAIN_NAME", "env-domain",
                "OS_REGION_NAME", "env-region");
        SwiftCredentials credentials = parse("swift://c", keystone(), env).credentials();
        assertThat(credentials.user()).isEqualTo("backup");
        assertThat(credentials.authUrl().getHost()).isEqualTo("keystone.example");
        assertThat(credentials.userDomain()).isEqualTo("Default");
        assertThat(credentials.region()).isNull();
        Map<String, String> scoping = Map.of("swift-region", "r2", "swift-project-domain", "pd");
        SwiftCredentials fromEnv = parse("swift://c", scoping, env).credentials();
        assertThat(fromEnv.user()).isEqualTo("env-user");
        assertThat(fromEnv.userDomain()).isEqualTo("env-domain");
        assertThat(fromEnv.projectDomain()).isEqualTo("pd");
        assertThat(fromEnv.region()).isEqualTo("r2");
        Map<String, String> partial = Map.of("swift-user", "backup");
        refused("swift://c", partial, env, "missing setting swift-auth-url");
    }

    @Test
    void refusalsNameTheSetting() {
        refused("swift://c", Map.of(), Map.of(), "no Swift credentials", "swift-auth-url", "OS_AUTH_URL");
        refused("swift://c", Map.of("swift-region-name", "x"), Map.of(), "unknown setting swift-region-name");
        Map<String, String> settings = keystone();
        settings.remove("swift-project");
        refused("swift://c", settings, Map.of(), "swift-project");
        for (String[] bad : new String[][] {{"swift-segment-size", "1KiB"}, {"swift-segment-size", "lots"},
                {"swift-upload-concurrency", "0"}, {"swift-request-timeout", "-1"}, {"swift-max-retries", "x"},
                {"swift-auth-version", "2"}, {"swift-auth-url", "ftp://host/v3"}}) {
            Map<String, String> wrong = keystone();
            wrong.put(bad[0], bad[1]);
            refused("swift://c", wrong, Map.of(), bad[0]);
        }
        Map<String, String> tempauthWithPassword = Map.of("swift-auth-url", "http://h/auth/v1.0", "swift-user",
                "a:b", "swift-password", SECRET);
        refused("swift://c", tempauthWithPassword, Map.of(), "swift-key");
        refused("swift://c", Map.of(), Map.of("OS_AUTH_URL", "http://k:5000/v3", "OS_USERNAME", "u"),
                "OS_PASSWORD");
    }

    @Test
    void refusedUrls() {
        refused("swift://user:" + SECRET + "@c/p", keystone(), Map.of(), "must not hold credentials");
        refused("swift://c:8080/p", keystone(), Map.of(), "swift://container/optional/prefix");
        refused("swift://c/a/../b", keystone(), Map.of(), "invalid key prefix");
        refused("swift://" + "x".repeat(250), keystone(), Map.of(), "invalid container name");
    }

    @Test
    void secretsAreMaskedEverywhere() {
        Map<String, String> settings = keystone();
        SwiftStorageConfig config = parse("swift://c/p", settings, Map.of());
        assertThat(config.toString()).doesNotContain(SECRET).contains("****").contains("backup");
        assertThat(new SwiftStorage(config).toString()).doesNotContain(SECRET);
        refused("swift://c", Map.of("swift-auth-url", "http://user:" + SECRET + "@host/v3", "swift-user", "u",
                "swift-password", SECRET, "swift-project", "p"), Map.of(), "swift-auth-url");
        assertThat(SwiftSettings.ALL).filteredOn(StorageSetting::secret).extracting(StorageSetting::name)
                .containsExactlyInAnyOrder("swift-password", "swift-key");
    }

    @Test
    void theFactoryIsFoundByScheme() {
        assertThat(Storages.factories()).containsKey("swift");
        assertThat(Storages.allSettings()).extracting(StorageSetting::name).contains("swift-auth-url",
                "swift-segment-size", "swift-max-retries", "swift-storage-policy");
    }
}
