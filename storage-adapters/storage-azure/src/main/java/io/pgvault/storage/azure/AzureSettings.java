package io.pgvault.storage.azure;

import io.pgvault.storage.ObjectKey;
import io.pgvault.storage.StorageException;
import io.pgvault.storage.StorageSetting;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The {@code azure-*} settings and how a URL, settings and the environment become an {@link AzureStorageConfig}.
 * Every refusal is a {@link StorageException.Reason#CONFIGURATION} naming the setting and never echoing a secret.
 */
public final class AzureSettings {

    public static final String ACCOUNT = "azure-account";
    public static final String KEY = "azure-key";
    public static final String SAS_TOKEN = "azure-sas-token";
    public static final String CONNECTION_STRING = "azure-connection-string";
    public static final String ENDPOINT = "azure-endpoint";
    public static final String ACCESS_TIER = "azure-access-tier";
    public static final String REQUEST_TIMEOUT = "azure-request-timeout";
    public static final String UPLOAD_CONCURRENCY = "azure-upload-concurrency";
    public static final String BLOCK_SIZE = "azure-block-size";
    public static final String MAX_RETRIES = "azure-max-retries";

    /** The settings, in the order --help shows them. */
    public static final List<StorageSetting> ALL = List.of(
            new StorageSetting(ACCOUNT, "storage account name (else AZURE_STORAGE_ACCOUNT)", false),
            new StorageSetting(KEY, "storage account access key (else AZURE_STORAGE_KEY)", true),
            new StorageSetting(SAS_TOKEN, "shared access signature (else AZURE_STORAGE_SAS_TOKEN)", true),
            new StorageSetting(CONNECTION_STRING,
                    "storage connection string (else AZURE_STORAGE_CONNECTION_STRING)", true),
            new StorageSetting(ENDPOINT,
                    "blob service URL; default https://<account>.blob.core.windows.net", false),
            new StorageSetting(ACCESS_TIER, "tier of new blobs: Hot, Cool, Cold or Archive; default: the account's",
                    false),
            new StorageSetting(REQUEST_TIMEOUT, "seconds allowed for one try of one request; default 60", false),
            new StorageSetting(UPLOAD_CONCURRENCY, "blocks of one object uploaded at once; default 4", false),
            new StorageSetting(BLOCK_SIZE, "upload block and read buffer size, e.g. 8MiB (the default)", false),
            new StorageSetting(MAX_RETRIES, "retries of a transient failure; default 5", false));

    private static final Set<String> NAMES = ALL.stream().map(StorageSetting::name).collect(Collectors.toSet());
    private static final Set<String> TIERS = Set.of("Hot", "Cool", "Cold", "Archive");
    private static final Pattern CONTAINER = Pattern.compile("[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}");
    private static final Pattern ACCOUNT_NAME = Pattern.compile("[a-z0-9]{3,24}");
    private static final Pattern SIZE = Pattern.compile("(\\d{1,10})\\s*(b|k|kib|m|mib|g|gib)?");

    private AzureSettings() {
    }

    /**
     * Reads {@code azure://container[/prefix]} plus settings; credentials come from the settings, else from the
     * environment's usual AZURE_STORAGE_* variables, else from DefaultAzureCredential.
     */
    public static AzureStorageConfig parse(URI url, Map<String, String> settings, Map<String, String> environment) {
        settings.keySet().stream().filter(k -> k.startsWith("azure-") && !NAMES.contains(k)).findFirst()
                .ifPresent(k -> {
                    throw refuse("unknown setting " + k + "; known: " + String.join(", ", NAMES.stream().sorted()
                            .toList()));
                });
        String container = container(url);
        String prefix = prefix(url);
        String account = first(settings.get(ACCOUNT), environment.get("AZURE_STORAGE_ACCOUNT"));
        if (account != null && !ACCOUNT_NAME.matcher(account).matches()) {
            throw refuse(ACCOUNT + " '" + account + "' is not a storage account name (3-24 lower-case letters and digits)");
        }
        AzureCredentials credentials = AzureCredentialSources.choose(settings, environment, account);
        URI endpoint = endpoint(settings.get(ENDPOINT), account, credentials);
        if (credentials instanceof AzureCredentials.DefaultChain && !"https".equals(endpoint.getScheme())) {
            throw refuse("Azure AD sign-in (no azure-key, azure-sas-token or azure-connection-string given) needs an"
                    + " https " + ENDPOINT + ", got " + endpoint + "; give a key, SAS token or connection string");
        }
        return new AzureStorageConfig(container, prefix, endpoint, credentials, tier(settings.get(ACCESS_TIER)),
                Duration.ofSeconds(integer(settings, REQUEST_TIMEOUT,
                        AzureStorageConfig.DEFAULT_REQUEST_TIMEOUT.toSeconds(), 1, 3600)),
                (int) integer(settings, UPLOAD_CONCURRENCY, AzureStorageConfig.DEFAULT_UPLOAD_CONCURRENCY, 1, 64),
                blockSize(settings.get(BLOCK_SIZE)),
                (int) integer(settings, MAX_RETRIES, AzureStorageConfig.DEFAULT_MAX_RETRIES, 0, 20),
                AzureStorageConfig.DEFAULT_RETRY_DELAY, AzureStorageConfig.DEFAULT_MAX_RETRY_DELAY,
                AzureStorageConfig.DEFAULT_LIST_PAGE_SIZE);
    }

    private static String container(URI url) {
        if (!"azure".equals(url.getScheme())) {
            throw refuse("not an azure:// URL: " + url.getScheme() + "://...");
        }
        if (url.getRawUserInfo() != null || url.getPort() != -1 || url.getRawQuery() != null
                || url.getRawFragment() != null) {
            throw refuse("azure repository URL must be azure://container/optional/prefix, with no user, port, query"
                    + " or fragment; give the endpoint in " + ENDPOINT + " and credentials in their settings");
        }
        String container = url.getHost() != null ? url.getHost() : url.getAuthority();
        if (container == null || !CONTAINER.matcher(container).matches()) {
            throw refuse("azure repository URL needs a container name (3-63 lower-case letters, digits and single"
                    + " dashes): azure://container/optional/prefix, got '" + container + "'");
        }
        return container;
    }

    private static String prefix(URI url) {
        String path = url.getPath() == null ? "" : url.getPath().replaceAll("^/+|/+$", "");
        if (path.isEmpty()) {
            return "";
        }
        try {
            return ObjectKey.check(path) + "/";
        } catch (IllegalArgumentException e) {
            throw refuse("bad prefix in azure repository URL: " + e.getMessage());
        }
    }

    private static URI endpoint(String given, String account, AzureCredentials credentials) {
        if (given == null) {
            if (credentials instanceof AzureCredentials.ConnectionString) {
                return null; // the connection string names its endpoint
            }
            if (account != null) {
                return URI.create("https://" + account + ".blob.core.windows.net");
            }
            throw refuse("no storage account: set " + ACCOUNT + " (or AZURE_STORAGE_ACCOUNT), " + ENDPOINT + " or "
                    + CONNECTION_STRING);
        }
        URI uri;
        try {
            uri = URI.create(given.trim().replaceAll("/+$", ""));
        } catch (IllegalArgumentException e) {
            throw refuse(ENDPOINT + " is not a URL: " + e.getMessage());
        }
        if (!("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) || uri.getHost() == null) {
            throw refuse(ENDPOINT + " must be an http(s) URL such as https://account.blob.core.windows.net, got '"
                    + uri + "'");
        }
        if (uri.getRawQuery() != null || uri.getRawUserInfo() != null) {
            throw refuse(ENDPOINT + " must not carry a query or user; give a SAS token in " + SAS_TOKEN);
        }
        return uri;
    }

    private static String tier(String value) {
        if (value == null) {
            return null;
        }
        return TIERS.stream().filter(t -> t.equalsIgnoreCase(value.trim())).findFirst()
                .orElseThrow(() -> refuse(ACCESS_TIER + " must be Hot, Cool, Cold or Archive, got '" + value + "'"));
    }

    private static long integer(Map<String, String> settings, String name, long fallback, long min, long max) {
        String value = settings.get(name);
        if (value == null) {
            return fallback;
        }
        String digits = value.trim();
        if (name.equals(REQUEST_TIMEOUT) && digits.endsWith("s")) {
            digits = digits.substring(0, digits.length() - 1);
        }
        try {
            long n = Long.parseLong(digits);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below with the allowed range
        }
        throw refuse(name + " must be a whole number from " + min + " to " + max + ", got '" + value + "'");
    }

    /** Accepts a byte count with an optional binary suffix: 65536, 64KiB, 8MiB, 8M, 1GiB. */
    static int blockSize(String value) {
        if (value == null) {
            return AzureStorageConfig.DEFAULT_BLOCK_SIZE;
        }
        Matcher m = SIZE.matcher(value.trim().toLowerCase(Locale.ROOT));
        if (m.matches()) {
            String unit = m.group(2) == null ? "b" : m.group(2).substring(0, 1);
            int shift = switch (unit) {
                case "k" -> 10;
                case "m" -> 20;
                case "g" -> 30;
                default -> 0;
            };
            long bytes = Long.parseLong(m.group(1)) << shift;
            if (bytes >= AzureStorageConfig.MIN_BLOCK_SIZE && bytes <= AzureStorageConfig.MAX_BLOCK_SIZE) {
                return (int) bytes;
            }
        }
        throw refuse(BLOCK_SIZE + " must be a size from 16KiB to 1GiB such as 8MiB, got '" + value + "'");
    }

    static String first(String a, String b) {
        return a != null && !a.isBlank() ? a.trim() : b != null && !b.isBlank() ? b.trim() : null;
    }

    static StorageException refuse(String message) {
        return new StorageException(StorageException.Reason.CONFIGURATION, message);
    }
}
