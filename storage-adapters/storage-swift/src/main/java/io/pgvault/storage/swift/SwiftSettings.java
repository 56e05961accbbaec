package io.pgvault.storage.swift;

import io.pgvault.storage.ObjectKey;
import io.pgvault.storage.ByteSize;
import io.pgvault.storage.StorageException;
import io.pgvault.storage.StorageSetting;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The {@code swift-*} settings and how a URL, those settings and the environment become a {@link SwiftStorageConfig}.
 * Credentials come either wholly from the settings or wholly from the environment (Keystone's {@code OS_*}
 * variables, else tempauth's {@code ST_*}), never a mix, so that what is used is obvious: as soon as one of
 * swift-auth-url, swift-user, swift-password, swift-key or swift-project is set, no variable is read. Domain and
 * region settings apply either way. Every refusal is a {@link StorageException.Reason#CONFIGURATION} naming the
 * setting; secret values are never repeated.
 */
final class SwiftSettings {

    static final List<StorageSetting> ALL = List.of(
            new StorageSetting("swift-auth-url", "identity URL: Keystone v3 (http://host:5000/v3) or tempauth "
                    + "(http://host:8080/auth/v1.0); default OS_AUTH_URL, else ST_AUTH", false),
            new StorageSetting("swift-auth-version", "3 (Keystone v3, default) or 1 (tempauth; implied by an auth "
                    + "URL ending in /auth/v1.0)", false),
            new StorageSetting("swift-user", "user name (tempauth: account:user); default OS_USERNAME or ST_USER",
                    false),
            new StorageSetting("swift-password", "Keystone password; default OS_PASSWORD", true),
            new StorageSetting("swift-key", "tempauth key; default ST_KEY", true),
            new StorageSetting("swift-project", "Keystone project name; default OS_PROJECT_NAME", false),
            new StorageSetting("swift-user-domain", "Keystone user domain name (default Default, or "
                    + "OS_USER_DOMAIN_NAME with credentials from the environment)", false),
            new StorageSetting("swift-project-domain", "Keystone project domain name (default Default, or "
                    + "OS_PROJECT_DOMAIN_NAME with credentials from the environment)", false),
            new StorageSetting("swift-region", "region of the object-store endpoint (default: the first one, or "
                    + "OS_REGION_NAME with credentials from the environment)", false),
            new StorageSetting("swift-segment-size", "objects larger than this are uploaded as static large objects "
                    + "of segments this size, e.g. 64MiB (16KiB..1GiB, default 32MiB)", false),
            new StorageSetting("swift-upload-concurrency", "segments of one object uploaded in parallel (default 2)",
                    false),
            new StorageSetting("swift-request-timeout", "seconds a request may take to answer before it is "
                    + "retried (default 60)", false),
            new StorageSetting("swift-max-retries", "retries of a transient failure (default 6)", false),
            new StorageSetting("swift-storage-policy", "storage policy of the containers pgvault init creates",
                    false));

    private static final Set<String> NAMES = ALL.stream().map(StorageSetting::name).collect(Collectors.toSet());
    private static final Set<String> CREDENTIAL_SETTINGS = Set.of("swift-auth-url", "swift-user", "swift-password",
            "swift-key", "swift-project");
    private static final int MIN_SEGMENT = 16 << 10;
    private static final int MAX_SEGMENT = 1 << 30;
    /** Swift's limit on container names, less the "_segments" suffix of the segments container. */
    private static final int MAX_CONTAINER = 256 - "_segments".length();

    private final Map<String, String> settings;
    private final Map<String, String> environment;

    private SwiftSettings(Map<String, String> settings, Map<String, String> environment) {
        this.settings = settings;
        this.environment = environment;
    }

    /**
     * Reads {@code swift://container/optional/prefix}, the settings and the environment.
     *
     * @throws StorageException with {@link StorageException.Reason#CONFIGURATION} naming what is wrong
     */
    static SwiftStorageConfig parse(URI url, Map<String, String> settings, Map<String, String> environment) {
        return new SwiftSettings(settings, environment).config(url);
    }

    private SwiftStorageConfig config(URI url) {
        for (String name : settings.keySet()) {
            if (name.startsWith("swift-") && !NAMES.contains(name)) {
                throw refuse("unknown setting " + name + "; known: " + String.join(", ", NAMES.stream().sorted()
                        .collect(Collectors.toList())));
            }
        }
        String container = container(url);
        String prefix = prefix(url, container);
        String policy = setting("swift-storage-policy");
        return new SwiftStorageConfig(container, prefix, credentials(), segmentSize(),
                integer("swift-upload-concurrency", SwiftStorageConfig.DEFAULT_UPLOAD_CONCURRENCY, 1, 32),
                Duration.ofSeconds(integer("swift-request-timeout", 60, 1, 3600)),
                integer("swift-max-retries", SwiftStorageConfig.DEFAULT_MAX_RETRIES, 0, 100), policy);
    }

    private static String container(URI url) {
        if (!"swift".equals(url.getScheme())) {
            throw refuse("not a swift:// URL: " + url.getScheme() + "://");
        }
        if (url.getRawUserInfo() != null) {
            // never echo the URL: what is before '@' may be a secret
            throw refuse("swift:// repository URL must not hold credentials; use swift-user and swift-password");
        }
        String container = url.getRawAuthority();
        if (container == null || url.getPort() != -1 || url.getRawQuery() != null || url.getRawFragment() != null) {
            throw refuse("swift repository URL must look like swift://container/optional/prefix "
                    + "(the endpoint comes from swift-auth-url)");
        }
        if (container.length() > MAX_CONTAINER || container.contains("%")) {
            throw refuse("invalid container name '" + container + "' in the repository URL: use at most "
                    + MAX_CONTAINER + " characters, no '/' or '%'");
        }
        return container;
    }

    private static String prefix(URI url, String container) {
        String path = url.getPath() == null ? "" : url.getPath();
        path = path.replaceAll("^/+", "").replaceAll("/+$", "");
        if (path.isEmpty()) {
            return "";
        }
        try {
            return ObjectKey.check(path) + "/";
        } catch (IllegalArgumentException e) {
            throw refuse("invalid key prefix in swift://" + container + "/" + path + ": " + e.getMessage());
        }
    }

    private SwiftCredentials credentials() {
        boolean fromSettings = CREDENTIAL_SETTINGS.stream().anyMatch(n -> setting(n) != null);
        if (fromSettings) {
            URI authUrl = authUrl(require("swift-auth-url", setting("swift-auth-url")), "swift-auth-url");
            int version = version(authUrl);
            String user = require("swift-user", setting("swift-user"));
            if (version == 1) {
                if (setting("swift-password") != null && setting("swift-key") == null) {
                    throw refuse("tempauth (swift-auth-version=1) takes its secret from swift-key, not "
                            + "swift-password");
                }
                return new SwiftCredentials(1, authUrl, user, require("swift-key", setting("swift-key")), null,
                        null, null, null, "swift-auth-url/swift-user/swift-key");
            }
            return new SwiftCredentials(3, keystoneV3(authUrl), user,
                    require("swift-password", setting("swift-password")),
                    require("swift-project", setting("swift-project")),
                    firstOf(setting("swift-user-domain"), "Default"),
                    firstOf(setting("swift-project-domain"), "Default"), setting("swift-region"),
                    "swift-auth-url/swift-user/swift-password");
        }
        if (env("OS_AUTH_URL") != null) {
            URI authUrl = authUrl(env("OS_AUTH_URL"), "OS_AUTH_URL");
            String apiVersion = env("OS_IDENTITY_API_VERSION");
            if (apiVersion != null && !apiVersion.equals("3")) {
                throw refuse("OS_IDENTITY_API_VERSION=" + apiVersion + " is not supported: Keystone v3 only");
            }
            return new SwiftCredentials(3, keystoneV3(authUrl), requireEnv("OS_USERNAME"),
                    requireEnv("OS_PASSWORD"), requireEnv("OS_PROJECT_NAME"),
                    envDomain("swift-user-domain", "OS_USER_DOMAIN_NAME"),
                    envDomain("swift-project-domain", "OS_PROJECT_DOMAIN_NAME"),
                    firstOf(setting("swift-region"), env("OS_REGION_NAME")), "OS_AUTH_URL/OS_USERNAME/OS_PASSWORD");
        }
        if (env("ST_AUTH") != null) {
            return new SwiftCredentials(1, authUrl(env("ST_AUTH"), "ST_AUTH"), requireEnv("ST_USER"),
                    requireEnv("ST_KEY"), null, null, null, null, "ST_AUTH/ST_USER/ST_KEY");
        }
        throw refuse("no Swift credentials: set swift-auth-url, swift-user, swift-password and swift-project "
                + "(Keystone v3) or swift-auth-url, swift-user and swift-key (tempauth), or the OS_AUTH_URL/"
                + "OS_USERNAME/OS_PASSWORD/OS_PROJECT_NAME (or ST_AUTH/ST_USER/ST_KEY) environment variables");
    }

    private int version(URI authUrl) {
        String value = setting("swift-auth-version");
        if (value == null) {
            return authUrl.getPath() != null && authUrl.getPath().matches(".*/v1(\\.0)?/?") ? 1 : 3;
        }
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "1", "1.0", "v1", "v1.0" -> 1;
            case "3", "v3" -> 3;
            default -> throw refuse("invalid swift-auth-version '" + value + "': expected 3 (Keystone v3) or 1 "
                    + "(tempauth)");
        };
    }

    private static URI authUrl(String value, String name) {
        try {
            URI uri = new URI(value.trim());
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null
                    && uri.getRawUserInfo() == null && uri.getRawQuery() == null) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // refused below, without echoing a value that might hold a password
        }
        throw refuse("invalid " + name + ": expected http(s)://host[:port]/path, e.g. http://keystone:5000/v3");
    }

    /** OS_AUTH_URL is often given without the API version; OpenStack4j needs the v3 root. */
    private static URI keystoneV3(URI authUrl) {
        String path = authUrl.getPath() == null ? "" : authUrl.getPath().replaceAll("/+$", "");
        return path.isEmpty() ? URI.create(authUrl.toString().replaceAll("/+$", "") + "/v3") : authUrl;
    }

    /** With credentials from the environment, a domain comes from the setting, else the variable, else Default. */
    private String envDomain(String name, String variable) {
        return firstOf(firstOf(setting(name), env(variable)), "Default");
    }

    private int segmentSize() {
        String value = setting("swift-segment-size");
        if (value == null) {
            return SwiftStorageConfig.DEFAULT_SEGMENT_SIZE;
        }
        long size = parseSize(value);
        if (size < MIN_SEGMENT || size > MAX_SEGMENT) {
            throw refuse("invalid swift-segment-size '" + value + "': expected a size between 16KiB and 1GiB, "
                    + "e.g. 64MiB");
        }
        return (int) size;
    }

    /** A byte count with an optional binary unit; see {@link ByteSize#parse}. -1 when not a size. */
    static long parseSize(String value) {
        return ByteSize.parse(value);
    }

    private int integer(String name, int fallback, int min, int max) {
        String value = setting(name);
        if (value == null) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value.trim());
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw refuse("invalid " + name + " '" + value + "': expected a whole number from " + min + " to " + max);
    }

    private String setting(String name) {
        String value = settings.get(name);
        return value == null || value.isBlank() ? null : value;
    }

    private String env(String name) {
        String value = environment.get(name);
        return value == null || value.isBlank() ? null : value;
    }

    private static String require(String name, String value) {
        if (value == null) {
            throw refuse("missing setting " + name + " (the other swift credential settings are given)");
        }
        return value;
    }

    private String requireEnv(String name) {
        String value = env(name);
        if (value == null) {
            throw refuse("missing environment variable " + name + " (credentials are read from the environment "
                    + "because no swift-auth-url/swift-user setting is given)");
        }
        return value;
    }

    private static String firstOf(String first, String second) {
        return Stream.of(first, second).filter(v -> v != null).findFirst().orElse(null);
    }

    private static StorageException refuse(String message) {
        return new StorageException(StorageException.Reason.CONFIGURATION, message);
    }
}
