package io.pgvault.storage.azure;

import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.util.Configuration;
import com.azure.core.util.ConfigurationBuilder;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.common.StorageSharedKeyCredential;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import io.pgvault.storage.StorageException;
import java.time.Duration;
import java.util.Map;

/** Builds the SDK client for a configuration: transport, retry policy and credentials. */
final class AzureClients {

    private AzureClients() {
    }

    static BlobServiceClient serviceClient(AzureStorageConfig config) {
        Configuration sdkConfiguration = sdkConfiguration(config.credentials());
        // The transport's timeouts make a stalled connection fail, and so be retried, instead of hanging.
        HttpClient http = new JdkHttpClientBuilder()
                .connectionTimeout(min(config.requestTimeout(), Duration.ofSeconds(10)))
                .writeTimeout(config.requestTimeout())
                .responseTimeout(config.requestTimeout())
                .readTimeout(config.requestTimeout())
                .configuration(sdkConfiguration)
                .build();
        // retries are AzureRetryStrategy's (with jitter); the storage SDK's own retry step gets a single try
        BlobServiceClientBuilder builder = new BlobServiceClientBuilder()
                .httpClient(http)
                .retryOptions(new RequestRetryOptions(RetryPolicyType.FIXED, 1, (Duration) null, null, null, null))
                .addPolicy(AzureRetryStrategy.policy(config))
                .configuration(sdkConfiguration);
        try {
            if (config.credentials() instanceof AzureCredentials.ConnectionString c) {
                builder.connectionString(c.value());
            } else if (config.credentials() instanceof AzureCredentials.SharedKey k) {
                builder.credential(new StorageSharedKeyCredential(k.account(), k.key()));
            } else if (config.credentials() instanceof AzureCredentials.SasToken s) {
                builder.sasToken(s.token());
            } else {
                builder.credential(new DefaultAzureCredentialBuilder().configuration(sdkConfiguration).build());
            }
            if (config.endpoint() != null) {
                builder.endpoint(config.endpoint().toString());
            }
            return builder.buildClient();
        } catch (IllegalArgumentException | IllegalStateException e) {
            // the SDK's message may quote the connection string; say which setting is wrong without it
            throw new StorageException(StorageException.Reason.CONFIGURATION, "cannot use the Azure settings for "
                    + config.location() + ": " + new AzureFailures(config).redact(e.getMessage())
                    + "; check azure-endpoint and the credentials' settings");
        }
    }

    /**
     * The SDK reads proxies, log levels and identity variables from a Configuration; it gets the factory's
     * environment map instead of the process environment, so the adapter reads nothing behind the caller's back.
     */
    private static Configuration sdkConfiguration(AzureCredentials credentials) {
        Map<String, String> environment = credentials instanceof AzureCredentials.DefaultChain d
                ? d.environment() : Map.of();
        return new ConfigurationBuilder(source -> Map.of(), source -> Map.of(), source -> environment).build();
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
