package io.pgvault.storage.azure;

import static io.pgvault.storage.azure.AzureSettings.CONNECTION_STRING;
import static io.pgvault.storage.azure.AzureSettings.KEY;
import static io.pgvault.storage.azure.AzureSettings.SAS_TOKEN;
import static io.pgvault.storage.azure.AzureSettings.refuse;

import java.util.Base64;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Picks the credentials: explicit settings first (exactly one kind), then the environment variables Azure's own
 * tools use, then DefaultAzureCredential. Messages name the setting or variable, never its value.
 */
final class AzureCredentialSources {

    static final String ENV_CONNECTION_STRING = "AZURE_STORAGE_CONNECTION_STRING";
    static final String ENV_KEY = "AZURE_STORAGE_KEY";
    static final String ENV_SAS_TOKEN = "AZURE_STORAGE_SAS_TOKEN";

    private AzureCredentialSources() {
    }

    static AzureCredentials choose(Map<String, String> settings, Map<String, String> environment, String account) {
        String connection = blankToNull(settings.get(CONNECTION_STRING));
        String key = blankToNull(settings.get(KEY));
        String sas = blankToNull(settings.get(SAS_TOKEN));
        long given = Stream.of(connection, key, sas).filter(v -> v != null).count();
        if (given > 1) {
            throw refuse(CONNECTION_STRING + ", " + KEY + " and " + SAS_TOKEN + " are alternatives: give only one");
        }
        if (given == 1) {
            return of(connection, key, KEY, sas, account);
        }
        // several variables may be set for other tools; take the most specific one, as the az CLI does
        AzureCredentials fromEnvironment = of(blankToNull(environment.get(ENV_CONNECTION_STRING)),
                blankToNull(environment.get(ENV_KEY)), ENV_KEY, blankToNull(environment.get(ENV_SAS_TOKEN)), account);
        return fromEnvironment != null ? fromEnvironment : new AzureCredentials.DefaultChain(environment);
    }

    /** The credentials the given values make, or null when there are none. */
    private static AzureCredentials of(String connection, String key, String keyName, String sas, String account) {
        if (connection != null) {
            if (!connection.contains("=")) {
                throw refuse("the connection string (" + CONNECTION_STRING + " or " + ENV_CONNECTION_STRING
                        + ") is not of the form Key=Value;Key=Value");
            }
            return new AzureCredentials.ConnectionString(connection);
        }
        if (key != null) {
            if (account == null) {
                throw refuse(keyName + " needs the account's name: set " + AzureSettings.ACCOUNT
                        + " or AZURE_STORAGE_ACCOUNT");
            }
            try {
                Base64.getDecoder().decode(key);
            } catch (IllegalArgumentException e) {
                throw refuse(keyName + " is not an account key (base64, as shown in the portal's Access keys)");
            }
            return new AzureCredentials.SharedKey(account, key);
        }
        if (sas != null) {
            return new AzureCredentials.SasToken(sas);
        }
        return null;
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }
}
