package io.pgvault.storage.azure;

import static org.junit.jupiter.api.Assertions.fail;

import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.common.StorageSharedKeyCredential;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.Map;
import java.util.UUID;

/**
 * The Azurite server the integration tests run against: started by {@code infra/azurite.sh}, found at
 * {@code PGVAULT_IT_AZURE_ENDPOINT} (default {@code http://127.0.0.1:10000/devstoreaccount1}). Tests fail, never
 * skip, when it is not there.
 */
final class Azurite {

    static final String ACCOUNT = "devstoreaccount1";
    /** Azurite's published development key; not a secret anywhere, but the adapter must treat it as one. */
    static final String KEY =
            "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private Azurite() {
    }

    static URI endpoint() {
        String given = System.getenv("PGVAULT_IT_AZURE_ENDPOINT");
        return URI.create(given == null || given.isBlank() ? "http://127.0.0.1:10000/" + ACCOUNT : given.trim());
    }

    /** Fails the calling test class loudly when nothing listens at the endpoint. */
    static void requireRunning() {
        URI endpoint = endpoint();
        int port = endpoint.getPort() != -1 ? endpoint.getPort() : "https".equals(endpoint.getScheme()) ? 443 : 80;
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(endpoint.getHost(), port), 2000);
        } catch (IOException e) {
            fail("Azurite is not reachable at " + endpoint + " (" + e.getMessage() + "): start it with infra/azurite.sh,"
                    + " or point PGVAULT_IT_AZURE_ENDPOINT at a running one");
        }
    }

    /** Settings for the account-and-key path. */
    static Map<String, String> settings() {
        return Map.of(AzureSettings.ACCOUNT, ACCOUNT, AzureSettings.KEY, KEY, AzureSettings.ENDPOINT,
                endpoint().toString());
    }

    /** A container name no other test uses. */
    static String newContainer(String purpose) {
        return "pgv-" + purpose + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** An SDK client for the tests' own set-up: creating and removing containers, signing SAS tokens. */
    static BlobServiceClient admin() {
        return new BlobServiceClientBuilder().endpoint(endpoint().toString())
                .credential(new StorageSharedKeyCredential(ACCOUNT, KEY))
                .httpClient(new JdkHttpClientBuilder().build())
                .retryOptions(new RequestRetryOptions(RetryPolicyType.FIXED, 2, (Integer) null, 100L, 100L, null))
                .buildClient();
    }

    /** A configuration for the container, with quick retries so failure tests stay short. */
    static AzureStorageConfig config(String container, String prefix, Map<String, String> extraSettings) {
        Map<String, String> settings = new java.util.HashMap<>(settings());
        settings.putAll(extraSettings);
        return AzureSettings.parse(URI.create("azure://" + container + "/" + prefix), settings, Map.of())
                .withRetries(2, java.time.Duration.ofMillis(10), java.time.Duration.ofMillis(50));
    }

    /** Clean-up after a test class; quiet when the server was never there (the class has failed already). */
    static void deleteContainer(String container) {
        try {
            admin().getBlobContainerClient(container).deleteIfExists();
        } catch (RuntimeException e) {
            System.err.println("could not remove test container " + container + ": " + e.getMessage());
        }
    }
}
