package io.pgvault.storage.azure;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How the adapter signs its requests. Every variant masks its secrets in {@code toString}, and {@link #secrets()}
 * lists the values that must be scrubbed from any message that leaves the adapter.
 */
public sealed interface AzureCredentials {

    /** Values that must never appear in a message, a log line or an exception. */
    List<String> secrets();

    /** A storage connection string (it carries the endpoint and a key or SAS token). */
    record ConnectionString(String value) implements AzureCredentials {
        public ConnectionString {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public List<String> secrets() {
            return List.of(value);
        }

        @Override
        public String toString() {
            return "ConnectionString[***]";
        }
    }

    /** The storage account's name and one of its access keys (Shared Key signing). */
    record SharedKey(String account, String key) implements AzureCredentials {
        public SharedKey {
            Objects.requireNonNull(account, "account");
            Objects.requireNonNull(key, "key");
        }

        @Override
        public List<String> secrets() {
            return List.of(key);
        }

        @Override
        public String toString() {
            return "SharedKey[account=" + account + ", key=***]";
        }
    }

    /** A shared access signature, account- or container-scoped, with or without its leading '?'. */
    record SasToken(String token) implements AzureCredentials {
        public SasToken {
            Objects.requireNonNull(token, "token");
        }

        @Override
        public List<String> secrets() {
            return List.of(token, token.startsWith("?") ? token.substring(1) : token);
        }

        @Override
        public String toString() {
            return "SasToken[***]";
        }
    }

    /**
     * The SDK's DefaultAzureCredential chain (environment service principal, workload and managed identity, az login).
     * It is given the factory's environment map rather than reading the process environment, like the rest of the
     * adapter.
     */
    record DefaultChain(Map<String, String> environment) implements AzureCredentials {
        public DefaultChain {
            environment = Map.copyOf(environment);
        }

        @Override
        public List<String> secrets() {
            // the chain may read a client secret or certificate password from these
            return environment.entrySet().stream()
                    .filter(e -> e.getKey().startsWith("AZURE_") && e.getKey().matches(".*(SECRET|PASSWORD|KEY|TOKEN).*"))
                    .map(Map.Entry::getValue)
                    .toList();
        }

        @Override
        public String toString() {
            return "DefaultAzureCredential";
        }
    }
}
