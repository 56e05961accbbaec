package io.pgvault.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgvault.storage.StorageException;
import io.pgvault.storage.StorageSetting;
import io.pgvault.storage.Storages;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class S3SettingsTest {

    private static S3StorageConfig parse(String url, Map<String, String> settings, Map<String, String> env) {
        return S3Settings.parse(URI.create(url), settings, env);
    }

    private static S3StorageConfig parse(String url, Map<String, String> settings) {
        return parse(url, settings, Map.of());
    }

    private static void refused(Map<String, String> settings, String... fragments) {
        assertThatThrownBy(() -> parse("s3://bucket", settings))
                .isInstanceOfSatisfying(StorageException.class,
                        e -> assertThat(e.reason()).isEqualTo(StorageException.Reason.CONFIGURATION))
                .message().contains(fragments);
    }

    @Test
    void defaults() {
        S3StorageConfig config = parse("s3://my-bucket", Map.of());
        assertThat(config.bucket()).isEqualTo("my-bucket");
        assertThat(config.prefix()).isEmpty();
        assertThat(config.region()).isEqualTo("us-east-1");
        assertThat(config.endpoint()).isNull();
        assertThat(config.pathStyle()).isFalse();
        assertThat(config.accessKey()).isNull();
        assertThat(config.credentialsOrigin()).contains("default credential chain");
        assertThat(config.partSize()).isEqualTo(16 * 1024 * 1024);
        assertThat(config.uploadConcurrency()).isEqualTo(2);
        assertThat(config.maxRetries()).isEqualTo(8);
        assertThat(config.requestTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.sse()).isNull();
        assertThat(config.storageClass()).isNull();
    }

    @Test
    void prefixIsNormalisedAndChecked() {
        assertThat(parse("s3://bucket/a/b", Map.of()).prefix()).isEqualTo("a/b/");
        assertThat(parse("s3://bucket/a/b/", Map.of()).prefix()).isEqualTo("a/b/");
        assertThat(parse("s3://bucket/", Map.of()).prefix()).isEmpty();
        assertThatThrownBy(() -> parse("s3://bucket/a/../b", Map.of())).isInstanceOf(StorageException.class)
                .hasMessageContaining("invalid key prefix");
    }

    @Test
    void everySettingIsRead() {
        Map<String, String> settings = new HashMap<>();
        settings.put("s3-region", "eu-west-3");
        settings.put("s3-endpoint", "https://s3.example.net:9000");
        settings.put("s3-path-style", "TRUE");
        settings.put("s3-access-key", "AKIAEXAMPLE");
        settings.put("s3-secret-key", "very-secret");
        settings.put("s3-session-token", "token-secret");
        settings.put("s3-storage-class", "standard_ia");
        settings.put("s3-sse", "aws:kms");
        settings.put("s3-sse-kms-key-id", "alias/backups");
        settings.put("s3-request-timeout", "15");
        settings.put("s3-upload-concurrency", "4");
        settings.put("s3-part-size", "32MiB");
        settings.put("s3-max-retries", "3");
        S3StorageConfig config = parse("s3://bucket/repo", settings);
        assertThat(config.region()).isEqualTo("eu-west-3");
        assertThat(config.endpoint()).isEqualTo(URI.create("https://s3.example.net:9000"));
        assertThat(config.pathStyle()).isTrue();
        assertThat(config.accessKey()).isEqualTo("AKIAEXAMPLE");
        assertThat(config.secretKey()).isEqualTo("very-secret");
        assertThat(config.sessionToken()).isEqualTo("token-secret");
        assertThat(config.credentialsOrigin()).isEqualTo("s3-access-key/s3-secret-key");
        assertThat(config.storageClass()).isEqualTo("STANDARD_IA");
        assertThat(config.sse()).isEqualTo("aws:kms");
        assertThat(config.sseKmsKeyId()).isEqualTo("alias/backups");
        assertThat(config.requestTimeout()).isEqualTo(Duration.ofSeconds(15));
        assertThat(config.uploadConcurrency()).isEqualTo(4);
        assertThat(config.partSize()).isEqualTo(32 * 1024 * 1024);
        assertThat(config.maxRetries()).isEqualTo(3);
    }

    @Test
    void environmentFillsWhatSettingsLeaveOut() {
        Map<String, String> env = Map.of("AWS_REGION", "ap-south-1", "AWS_DEFAULT_REGION", "ignored-1",
                "AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9000", "AWS_ENDPOINT_URL", "http://ignored:1",
                "AWS_ACCESS_KEY_ID", "env-key", "AWS_SECRET_ACCESS_KEY", "env-secret",
                "AWS_SESSION_TOKEN", "env-token", "PGVAULT_S3_PATH_STYLE", "true");
        S3StorageConfig config = parse("s3://bucket", Map.of(), env);
        assertThat(config.region()).isEqualTo("ap-south-1");
        assertThat(config.endpoint()).isEqualTo(URI.create("http://127.0.0.1:9000"));
        assertThat(config.pathStyle()).isTrue();
        assertThat(config.accessKey()).isEqualTo("env-key");
        assertThat(config.secretKey()).isEqualTo("env-secret");
        assertThat(config.sessionToken()).isEqualTo("env-token");
        assertThat(config.credentialsOrigin()).isEqualTo("AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY");

        assertThat(parse("s3://bucket", Map.of(), Map.of("AWS_DEFAULT_REGION", "eu-north-1")).region())
                .isEqualTo("eu-north-1");
        assertThat(parse("s3://bucket", Map.of(), Map.of("AWS_ENDPOINT_URL", "http://minio:9000")).endpoint())
                .isEqualTo(URI.create("http://minio:9000"));
        S3StorageConfig profile = parse("s3://bucket", Map.of(), Map.of("AWS_PROFILE", "backup"));
        assertThat(profile.profile()).isEqualTo("backup");
        assertThat(profile.credentialsOrigin()).contains("backup");
    }

    @Test
    void settingsWinOverTheEnvironment() {
        Map<String, String> env = Map.of("AWS_REGION", "ap-south-1", "AWS_ACCESS_KEY_ID", "env-key",
                "AWS_SECRET_ACCESS_KEY", "env-secret", "PGVAULT_S3_PATH_STYLE", "true");
        S3StorageConfig config = parse("s3://bucket", Map.of("s3-region", "us-west-2", "s3-access-key", "k",
                "s3-secret-key", "s", "s3-path-style", "false"), env);
        assertThat(config.region()).isEqualTo("us-west-2");
        assertThat(config.accessKey()).isEqualTo("k");
        assertThat(config.sessionToken()).isNull();
        assertThat(config.pathStyle()).isFalse();
    }

    @Test
    void sizesTakeBinaryUnits() {
        assertThat(S3Settings.parseSize("16MiB")).isEqualTo(16L << 20);
        assertThat(S3Settings.parseSize("5MB")).isEqualTo(5L << 20);
        assertThat(S3Settings.parseSize("5m")).isEqualTo(5L << 20);
        assertThat(S3Settings.parseSize("8192 KiB")).isEqualTo(8L << 20);
        assertThat(S3Settings.parseSize("1GiB")).isEqualTo(1L << 30);
        assertThat(S3Settings.parseSize("6000000")).isEqualTo(6_000_000L);
        assertThat(S3Settings.parseSize("6000000B")).isEqualTo(6_000_000L);
        assertThat(S3Settings.parseSize("sixteen")).isEqualTo(-1);
        assertThat(S3Settings.parseSize("-5MiB")).isEqualTo(-1);
        assertThat(S3Settings.parseSize("5iB")).isEqualTo(-1);
        assertThat(S3Settings.parseSize("999999999999G")).isEqualTo(-1);
    }

    @Test
    void badValuesAreRefusedNamingTheSetting() {
        refused(Map.of("s3-region", "Europe West"), "s3-region");
        refused(Map.of("s3-endpoint", "ftp://host"), "s3-endpoint");
        refused(Map.of("s3-endpoint", "not a url"), "s3-endpoint");
        refused(Map.of("s3-path-style", "yes"), "s3-path-style");
        refused(Map.of("s3-storage-class", "CHEAP"), "s3-storage-class", "STANDARD_IA");
        refused(Map.of("s3-sse", "rot13"), "s3-sse", "AES256");
        refused(Map.of("s3-sse-kms-key-id", "alias/x"), "s3-sse-kms-key-id", "aws:kms");
        refused(Map.of("s3-request-timeout", "0"), "s3-request-timeout");
        refused(Map.of("s3-upload-concurrency", "many"), "s3-upload-concurrency");
        refused(Map.of("s3-part-size", "1MiB"), "s3-part-size", "5MiB");
        refused(Map.of("s3-part-size", "2GiB"), "s3-part-size");
        refused(Map.of("s3-max-retries", "-1"), "s3-max-retries");
        refused(Map.of("s3-acces-key", "typo"), "unknown setting s3-acces-key");
        refused(Map.of("s3-access-key", "only-half"), "s3-access-key", "s3-secret-key");
        refused(Map.of("s3-session-token", "alone"), "s3-session-token");
    }

    @Test
    void badUrlsAreRefusedWithoutEchoingCredentials() {
        assertThatThrownBy(() -> parse("s3://Bad_Bucket!", Map.of())).isInstanceOf(StorageException.class)
                .hasMessageContaining("bucket name");
        assertThatThrownBy(() -> parse("s3://user:hunter2@bucket/x", Map.of())).isInstanceOf(StorageException.class)
                .hasMessageContaining("must not hold credentials").hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> parse("s3://bucket:9000/x", Map.of())).isInstanceOf(StorageException.class)
                .hasMessageContaining("s3-endpoint");
        assertThatThrownBy(() -> parse("s3://bucket/x?versionId=3", Map.of())).isInstanceOf(StorageException.class);
    }

    @Test
    void secretsAreMaskedInToString() {
        S3StorageConfig config = parse("s3://bucket/repo", Map.of("s3-access-key", "AKIAVISIBLE",
                "s3-secret-key", "s3cr3t-value", "s3-session-token", "t0k3n-value"));
        assertThat(config.toString()).contains("bucket=bucket", "accessKey=****", "secretKey=****")
                .doesNotContain("AKIAVISIBLE", "s3cr3t-value", "t0k3n-value");
        S3StorageConfig fromEnv = parse("s3://bucket", Map.of(), Map.of("AWS_ACCESS_KEY_ID", "AKIAENV",
                "AWS_SECRET_ACCESS_KEY", "env-s3cr3t"));
        assertThat(fromEnv.toString()).doesNotContain("AKIAENV", "env-s3cr3t");
    }

    @Test
    void factoryIsFoundBySchemeAndDeclaresPrefixedSettings() {
        assertThat(Storages.factories()).containsKey("s3");
        S3StorageFactory factory = (S3StorageFactory) Storages.factories().get("s3");
        assertThat(factory.settings()).extracting(StorageSetting::name).allMatch(n -> n.startsWith("s3-"))
                .contains("s3-region", "s3-endpoint", "s3-path-style", "s3-part-size", "s3-max-retries");
        assertThat(factory.settings()).filteredOn(StorageSetting::secret).extracting(StorageSetting::name)
                .containsExactlyInAnyOrder("s3-access-key", "s3-secret-key", "s3-session-token");
        assertThat(Storages.parse("s3://bucket/prefix").getScheme()).isEqualTo("s3");
    }

    @Test
    void factoryOpensWithoutSendingARequest() {
        // an endpoint nobody listens on: opening must not fail, only a first operation would
        try (var storage = new S3StorageFactory().open(URI.create("s3://bucket/p"), Map.of("s3-endpoint",
                "http://127.0.0.1:9", "s3-access-key", "k", "s3-secret-key", "s"), Map.of())) {
            assertThat(storage.toString()).isEqualTo("S3Storage[s3://bucket/p/]");
        }
    }
}
