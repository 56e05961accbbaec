package io.pgvault.storage.azure;

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
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** How the URL, the settings and the environment become a configuration; no server needed. */
class AzureSettingsTest {

    private static final String KEY = "c2VjcmV0LWtleS1ieXRlcy1mb3ItdGVzdGluZy1vbmx5LTAxMjM0NTY3ODk=";
    private static final String SAS = "sv=2024-01-01&ss=b&srt=sco&sp=rl&se=2030-01-01T00:00:00Z&sig=c2lnbmF0dXJl%3D";
    private static final String CONNECTION = "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=" + KEY
            + ";EndpointSuffix=core.windows.net";

    private static AzureStorageConfig parse(String url, Map<String, String> settings, Map<String, String> env) {
        return AzureSettings.parse(URI.create(url), settings, env);
    }

    private static Map<String, String> withKey(String... more) {
        Map<String, String> settings = new HashMap<>(Map.of(AzureSettings.ACCOUNT, "acct", AzureSettings.KEY, KEY));
        for (int i = 0; i < more.length; i += 2) {
            settings.put(more[i], more[i + 1]);
        }
        return settings;
    }

    private static void refused(ThrowingCallable call, String... mentions) {
        assertThatThrownBy(call).isInstanceOfSatisfying(StorageException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.CONFIGURATION)).message().contains(mentions);
    }

    @Test
    void theFactoryIsFoundBySchemeAndOffersPrefixedSettings() {
        assertThat(Storages.factories()).containsKey("azure");
        assertThat(new AzureStorageFactory().settings()).extracting(StorageSetting::name)
                .allMatch(n -> n.startsWith("azure-"))
                .contains("azure-account", "azure-key", "azure-sas-token", "azure-connection-string", "azure-endpoint",
                        "azure-access-tier", "azure-request-timeout", "azure-upload-concurrency", "azure-block-size",
                        "azure-max-retries");
        assertThat(new AzureStorageFactory().settings()).filteredOn(StorageSetting::secret)
                .extracting(StorageSetting::name)
                .containsExactlyInAnyOrder("azure-key", "azure-sas-token", "azure-connection-string");
    }

    @Test
    void containerPrefixAndDefaults() {
        AzureStorageConfig config = parse("azure://backups/prod/db1/", withKey(), Map.of());
        assertThat(config.container()).isEqualTo("backups");
        assertThat(config.prefix()).isEqualTo("prod/db1/");
        assertThat(config.location()).isEqualTo("backups/prod/db1");
        assertThat(config.endpoint()).isEqualTo(URI.create("https://acct.blob.core.windows.net"));
        assertThat(config.credentials()).isEqualTo(new AzureCredentials.SharedKey("acct", KEY));
        assertThat(config.blockSize()).isEqualTo(8 * 1024 * 1024);
        assertThat(config.uploadConcurrency()).isEqualTo(4);
        assertThat(config.maxRetries()).isEqualTo(5);
        assertThat(config.requestTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.accessTier()).isNull();
        assertThat(config.listPageSize()).isEqualTo(5000);
        assertThat(parse("azure://backups", withKey(), Map.of()).prefix()).isEmpty();
    }

    @Test
    void tunablesAreRead() {
        AzureStorageConfig config = parse("azure://backups", withKey(AzureSettings.ENDPOINT,
                "http://127.0.0.1:10000/devstoreaccount1/", AzureSettings.ACCESS_TIER, "cool",
                AzureSettings.REQUEST_TIMEOUT, "30s", AzureSettings.UPLOAD_CONCURRENCY, "8",
                AzureSettings.BLOCK_SIZE, "16MiB", AzureSettings.MAX_RETRIES, "0", "s3-region", "ignored"), Map.of());
        assertThat(config.endpoint()).isEqualTo(URI.create("http://127.0.0.1:10000/devstoreaccount1"));
        assertThat(config.accessTier()).isEqualTo("Cool");
        assertThat(config.requestTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.uploadConcurrency()).isEqualTo(8);
        assertThat(config.blockSize()).isEqualTo(16 * 1024 * 1024);
        assertThat(config.maxRetries()).isZero();
    }

    @ParameterizedTest
    @CsvSource({"65536,65536", "64KiB,65536", "64k,65536", "64 KiB,65536", "8MiB,8388608", "8m,8388608",
            "1GiB,1073741824", "16384B,16384"})
    void blockSizesTakeBinarySuffixes(String given, int bytes) {
        assertThat(AzureSettings.blockSize(given)).isEqualTo(bytes);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "1024", "2GiB", "8MB", "eight", "-5", "8.5MiB", ""})
    void badBlockSizesAreRefusedByName(String given) {
        refused(() -> AzureSettings.blockSize(given), "azure-block-size", "'" + given + "'");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "azure-access-tier|Freezing", "azure-request-timeout|0", "azure-request-timeout|soon",
        "azure-upload-concurrency|0", "azure-upload-concurrency|65", "azure-max-retries|-1",
        "azure-max-retries|21", "azure-endpoint|ftp://host/x", "azure-endpoint|not a url",
        "azure-endpoint|https://acct.blob.core.windows.net/?sig=abc", "azure-account|Bad_Name",
        "azure-colour|blue"})
    void badSettingsAreRefusedByName(String name, String value) {
        refused(() -> parse("azure://backups", withKey(name, value), Map.of()), name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"azure:///prefix", "azure://UPPER", "azure://ab", "azure://a--b", "azure://user@box",
            "azure://box:99", "azure://box?x=1", "azure://box/a/../b", "azure://box/a//b"})
    void badUrlsAreRefused(String url) {
        refused(() -> parse(url, withKey(), Map.of()), "azure");
    }

    @Test
    void credentialsFromSettings() {
        assertThat(parse("azure://box", Map.of(AzureSettings.SAS_TOKEN, SAS, AzureSettings.ACCOUNT, "acct"), Map.of())
                .credentials()).isEqualTo(new AzureCredentials.SasToken(SAS));
        AzureStorageConfig connected = parse("azure://box", Map.of(AzureSettings.CONNECTION_STRING, CONNECTION),
                Map.of("AZURE_STORAGE_ACCOUNT", "other"));
        assertThat(connected.credentials()).isEqualTo(new AzureCredentials.ConnectionString(CONNECTION));
        assertThat(connected.endpoint()).as("the connection string names the endpoint").isNull();
    }

    @Test
    void settingsWinOverTheEnvironment() {
        Map<String, String> env = Map.of("AZURE_STORAGE_CONNECTION_STRING", CONNECTION);
        assertThat(parse("azure://box", withKey(), env).credentials()).isInstanceOf(AzureCredentials.SharedKey.class);
    }

    @Test
    void credentialsFromTheEnvironmentInOrder() {
        Map<String, String> env = new HashMap<>(Map.of("AZURE_STORAGE_ACCOUNT", "acct", "AZURE_STORAGE_KEY", KEY,
                "AZURE_STORAGE_SAS_TOKEN", SAS, "AZURE_STORAGE_CONNECTION_STRING", CONNECTION));
        assertThat(parse("azure://box", Map.of(), env).credentials())
                .isInstanceOf(AzureCredentials.ConnectionString.class);
        env.remove("AZURE_STORAGE_CONNECTION_STRING");
        assertThat(parse("azure://box", Map.of(), env).credentials())
                .isEqualTo(new AzureCredentials.SharedKey("acct", KEY));
        env.remove("AZURE_STORAGE_KEY");
        assertThat(parse("azure://box", Map.of(), env).credentials()).isEqualTo(new AzureCredentials.SasToken(SAS));
        env.remove("AZURE_STORAGE_SAS_TOKEN");
        AzureStorageConfig chain = parse("azure://box", Map.of(), env);
        assertThat(chain.credentials()).isInstanceOf(AzureCredentials.DefaultChain.class);
        assertThat(chain.endpoint()).isEqualTo(URI.create("https://acct.blob.core.windows.net"));
    }

    @Test
    void incompleteOrConflictingCredentialsAreRefused() {
        refused(() -> parse("azure://box", Map.of(AzureSettings.KEY, KEY), Map.of()), "azure-key", "azure-account");
        refused(() -> parse("azure://box", Map.of(), Map.of("AZURE_STORAGE_KEY", KEY)), "AZURE_STORAGE_KEY");
        refused(() -> parse("azure://box", withKey(AzureSettings.SAS_TOKEN, SAS), Map.of()), "only one");
        refused(() -> parse("azure://box", Map.of(), Map.of()), "azure-account");
        refused(() -> parse("azure://box", Map.of(AzureSettings.ENDPOINT, "http://127.0.0.1:10000/acct"), Map.of()),
                "https", "azure-key");
        refused(() -> parse("azure://box", Map.of(AzureSettings.CONNECTION_STRING, "just-a-secret-value"), Map.of()),
                "connection string");
        assertThatThrownBy(() -> parse("azure://box", withKey(AzureSettings.KEY, "not base64 !!"), Map.of()))
                .hasMessageContaining("azure-key").hasMessageNotContaining("not base64 !!");
        assertThatThrownBy(() -> parse("azure://box", Map.of(AzureSettings.CONNECTION_STRING, "just-a-secret-value"),
                Map.of())).hasMessageNotContaining("just-a-secret-value");
    }

    @Test
    void toStringNeverShowsASecret() {
        String env = "env-client-secret-value";
        for (AzureStorageConfig config : new AzureStorageConfig[] {
            parse("azure://box", withKey(), Map.of()),
            parse("azure://box", Map.of(AzureSettings.SAS_TOKEN, SAS, AzureSettings.ACCOUNT, "acct"), Map.of()),
            parse("azure://box", Map.of(AzureSettings.CONNECTION_STRING, CONNECTION), Map.of()),
            parse("azure://box", Map.of(AzureSettings.ACCOUNT, "acct"), Map.of("AZURE_CLIENT_SECRET", env))}) {
            assertThat(config.toString()).doesNotContain(KEY).doesNotContain("sig=").doesNotContain("c2lnbmF0dXJl")
                    .doesNotContain(env).contains("box");
            if (!(config.credentials() instanceof AzureCredentials.DefaultChain)) {
                assertThat(config.credentials().toString()).contains("***");
            }
        }
    }

    @Test
    void redactionScrubsKnownSecretsAndSignatureShapes() {
        AzureFailures failures = new AzureFailures(parse("azure://box", withKey(), Map.of()));
        String leaked = "PUT https://acct.blob.core.windows.net/box/k?sv=2024&sig=abc%2Bdef&se=x failed; header "
                + "Authorization: SharedKey acct:Zm9vYmFy; conn AccountKey=" + KEY + ";EndpointSuffix=x; raw " + KEY
                + "; Bearer eyJ0eXAi.abc";
        String clean = failures.redact(leaked);
        assertThat(clean).doesNotContain(KEY).doesNotContain("abc%2Bdef").doesNotContain("Zm9vYmFy")
                .doesNotContain("eyJ0eXAi").contains("sig=***").contains("box/k");
    }

    @Test
    void openingWithTheDefaultChainMakesNoRequest() {
        // building DefaultAzureCredential is lazy: nothing is fetched until a request needs a token
        try (var storage = new AzureStorageFactory().open(URI.create("azure://box"),
                Map.of(AzureSettings.ACCOUNT, "acct"), Map.of())) {
            assertThat(((AzureStorage) storage).config().credentials())
                    .isInstanceOf(AzureCredentials.DefaultChain.class);
        }
    }
}
