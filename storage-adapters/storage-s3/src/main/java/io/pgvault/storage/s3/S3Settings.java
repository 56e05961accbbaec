package io.pgvault.storage.s3;

import io.pgvault.storage.ObjectKey;
import io.pgvault.storage.ByteSize;
import io.pgvault.storage.StorageException;
import io.pgvault.storage.StorageSetting;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.s3.model.StorageClass;

/**
 * The {@code s3-*} settings and how a URL, those settings and the environment become an {@link S3StorageConfig}.
 * A setting wins over the ecosystem's environment variable (AWS_REGION, AWS_ENDPOINT_URL_S3, AWS_ACCESS_KEY_ID, ...).
 * Every refusal is a {@link StorageException.Reason#CONFIGURATION} naming the setting; values of secret settings are
 * never repeated in messages.
 */
final class S3Settings {

    static final List<StorageSetting> ALL = List.of(
            new StorageSetting("s3-region", "AWS region of the bucket (default AWS_REGION, else us-east-1)", false),
            new StorageSetting("s3-endpoint", "endpoint URL of an S3-compatible server (default AWS_ENDPOINT_URL_S3)",
                    false),
            new StorageSetting("s3-path-style", "true to put the bucket in the URL path (most S3-compatible servers)",
                    false),
            new StorageSetting("s3-access-key", "access key id (default: AWS_ACCESS_KEY_ID, profile, instance role)",
                    true),
            new StorageSetting("s3-secret-key", "secret access key, given with s3-access-key", true),
            new StorageSetting("s3-session-token", "session token of temporary credentials", true),
            new StorageSetting("s3-storage-class", "storage class of new objects, e.g. STANDARD_IA", false),
            new StorageSetting("s3-sse", "server-side encryption: none, AES256 or aws:kms", false),
            new StorageSetting("s3-sse-kms-key-id", "KMS key id or ARN for s3-sse=aws:kms", false),
            new StorageSetting("s3-request-timeout", "seconds a request may stall before it is retried (default 60)",
                    false),
            new StorageSetting("s3-upload-concurrency", "parts of one object uploaded in parallel (default 2)", false),
            new StorageSetting("s3-part-size", "multi-part upload part size, e.g. 16MiB (5MiB..1GiB, default 16MiB)",
                    false),
            new StorageSetting("s3-max-retries", "retries of a transient failure (default 8)", false));

    private static final Set<String> NAMES = ALL.stream().map(StorageSetting::name).collect(Collectors.toSet());
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]");
    private static final Pattern REGION = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");

    private final Map<String, String> settings;
    private final Map<String, String> environment;

    private S3Settings(Map<String, String> settings, Map<String, String> environment) {
        this.settings = settings;
        this.environment = environment;
    }

    /**
     * Reads {@code s3://bucket/optional/prefix} and the settings.
     *
     * @throws StorageException with {@link StorageException.Reason#CONFIGURATION} naming what is wrong
     */
    static S3StorageConfig parse(URI url, Map<String, String> settings, Map<String, String> environment) {
        return new S3Settings(settings, environment).config(url);
    }

    private S3StorageConfig config(URI url) {
        for (String name : settings.keySet()) {
            if (name.startsWith("s3-") && !NAMES.contains(name)) {
                throw refuse("unknown setting " + name + "; known: " + String.join(", ", NAMES));
            }
        }
        String bucket = bucket(url);
        String prefix = prefix(url, bucket);
        String accessKey = setting("s3-access-key");
        String secretKey = setting("s3-secret-key");
        String token = setting("s3-session-token");
        String origin = "s3-access-key/s3-secret-key";
        if (accessKey == null && secretKey == null) {
            if (token != null) {
                throw refuse("s3-session-token needs s3-access-key and s3-secret-key");
            }
            accessKey = env("AWS_ACCESS_KEY_ID");
            secretKey = env("AWS_SECRET_ACCESS_KEY");
            token = accessKey == null ? null : env("AWS_SESSION_TOKEN");
            origin = "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY";
            if ((accessKey == null) != (secretKey == null)) {
                throw refuse("set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither");
            }
        } else if (accessKey == null || secretKey == null) {
            throw refuse("set both s3-access-key and s3-secret-key, or neither");
        }
        String profile = accessKey == null ? env("AWS_PROFILE") : null;
        if (accessKey == null) {
            origin = profile != null ? "AWS profile '" + profile + "'"
                    : "the AWS default credential chain (AWS_ACCESS_KEY_ID, AWS_PROFILE, instance role)";
        }
        String sse = sse();
        String kmsKey = setting("s3-sse-kms-key-id");
        if (kmsKey != null && !"aws:kms".equals(sse)) {
            throw refuse("s3-sse-kms-key-id needs s3-sse=aws:kms");
        }
        return new S3StorageConfig(bucket, prefix, region(), endpoint(), pathStyle(), accessKey, secretKey, token,
                profile, origin, storageClass(), sse, kmsKey,
                Duration.ofSeconds(integer("s3-request-timeout", 60, 1, 3600)),
                integer("s3-upload-concurrency", S3StorageConfig.DEFAULT_UPLOAD_CONCURRENCY, 1, 64), partSize(),
                integer("s3-max-retries", S3StorageConfig.DEFAULT_MAX_RETRIES, 0, 100));
    }

    private static String bucket(URI url) {
        if (!"s3".equals(url.getScheme())) {
            throw refuse("not an s3:// URL: " + url.getScheme() + "://");
        }
        if (url.getRawUserInfo() != null) {
            // never echo the URL: what is before '@' may be a secret
            throw refuse("s3:// repository URL must not hold credentials; use s3-access-key and s3-secret-key");
        }
        String bucket = url.getRawAuthority();
        if (bucket == null || url.getPort() != -1 || url.getRawQuery() != null || url.getRawFragment() != null) {
            throw refuse("s3 repository URL must look like s3://bucket/optional/prefix (endpoint in s3-endpoint)");
        }
        if (!BUCKET.matcher(bucket).matches() || bucket.contains("..")) {
            throw refuse("invalid bucket name '" + bucket + "' in the repository URL: use 3-63 lower-case letters, "
                    + "digits, dots and hyphens");
        }
        return bucket;
    }

    private static String prefix(URI url, String bucket) {
        String path = url.getPath() == null ? "" : url.getPath();
        while (path.startsWith("/")) {
            path = path.substring(1);
        }
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        if (path.isEmpty()) {
            return "";
        }
        try {
            return ObjectKey.check(path) + "/";
        } catch (IllegalArgumentException e) {
            throw refuse("invalid key prefix in s3://" + bucket + "/" + path + ": " + e.getMessage());
        }
    }

    private String region() {
        String region = firstOf(setting("s3-region"), env("AWS_REGION"), env("AWS_DEFAULT_REGION"), "us-east-1");
        if (!REGION.matcher(region).matches()) {
            throw refuse("invalid s3-region '" + region + "': expected a region name such as eu-west-1");
        }
        return region;
    }

    private URI endpoint() {
        String value = firstOf(setting("s3-endpoint"), env("AWS_ENDPOINT_URL_S3"), env("AWS_ENDPOINT_URL"), null);
        if (value == null) {
            return null;
        }
        try {
            URI uri = new URI(value);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null
                    || uri.getRawUserInfo() != null) {
                throw new IllegalArgumentException();
            }
            return uri;
        } catch (java.net.URISyntaxException | IllegalArgumentException e) {
            throw refuse("invalid s3-endpoint '" + value + "': expected http(s)://host[:port]");
        }
    }

    private boolean pathStyle() {
        String value = firstOf(setting("s3-path-style"), env("PGVAULT_S3_PATH_STYLE"), "false", null);
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw refuse("invalid s3-path-style '" + value + "': expected true or false");
        };
    }

    private String storageClass() {
        String value = setting("s3-storage-class");
        if (value == null) {
            return null;
        }
        String upper = value.toUpperCase(Locale.ROOT);
        if (StorageClass.fromValue(upper) == StorageClass.UNKNOWN_TO_SDK_VERSION) {
            throw refuse("invalid s3-storage-class '" + value + "': expected one of "
                    + StorageClass.knownValues().stream().map(Object::toString).sorted()
                    .collect(Collectors.joining(", ")));
        }
        return upper;
    }

    private String sse() {
        String value = setting("s3-sse");
        if (value == null) {
            return null;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "none" -> null;
            case "aes256" -> "AES256";
            case "aws:kms" -> "aws:kms";
            default -> throw refuse("invalid s3-sse '" + value + "': expected none, AES256 or aws:kms");
        };
    }

    private int partSize() {
        String value = setting("s3-part-size");
        if (value == null) {
            return S3StorageConfig.DEFAULT_PART_SIZE;
        }
        long size = parseSize(value);
        if (size < S3StorageConfig.MIN_PART_SIZE || size > S3StorageConfig.MAX_PART_SIZE) {
            throw refuse("invalid s3-part-size '" + value + "': must be between 5MiB and 1GiB");
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
            int n = Integer.parseInt(value.trim());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // refused below with the allowed range
        }
        throw refuse("invalid " + name + " '" + value + "': expected a whole number from " + min + " to " + max);
    }

    private String setting(String name) {
        return blankToNull(settings.get(name));
    }

    private String env(String name) {
        return blankToNull(environment.get(name));
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }

    private static String firstOf(String a, String b, String c, String d) {
        return a != null ? a : b != null ? b : c != null ? c : d;
    }

    private static StorageException refuse(String message) {
        return new StorageException(StorageException.Reason.CONFIGURATION, message);
    }
}
