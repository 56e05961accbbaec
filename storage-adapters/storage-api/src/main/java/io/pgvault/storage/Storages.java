package io.pgvault.storage;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** Finds adapters by URL scheme through {@link ServiceLoader}. */
public final class Storages {

    private Storages() {
    }

    /** Every registered factory, keyed by scheme. */
    public static Map<String, StorageFactory> factories() {
        Map<String, StorageFactory> byScheme = new TreeMap<>();
        for (StorageFactory factory : ServiceLoader.load(StorageFactory.class, Storages.class.getClassLoader())) {
            byScheme.put(factory.scheme(), factory);
        }
        return byScheme;
    }

    /** Every setting of every registered adapter. */
    public static List<StorageSetting> allSettings() {
        List<StorageSetting> all = new ArrayList<>();
        factories().values().forEach(f -> all.addAll(f.settings()));
        return all;
    }

    /**
     * Parses a repository URL. A plain absolute path is taken as {@code file://PATH}.
     *
     * @throws StorageException with {@link StorageException.Reason#CONFIGURATION} when it is not a URL we serve
     */
    public static URI parse(String url) {
        if (url == null || url.isBlank()) {
            throw new StorageException(StorageException.Reason.CONFIGURATION,
                    "no repository given: set --repo (or PGVAULT_REPO), e.g. file:///var/lib/pgvault or s3://bucket/path");
        }
        try {
            URI uri = url.startsWith("/") ? new URI("file", null, url, null) : new URI(url);
            if (uri.getScheme() == null) {
                throw new StorageException(StorageException.Reason.CONFIGURATION,
                        "repository URL has no scheme: '" + url + "'; use file:///path, s3://, azure:// or swift://");
            }
            Optional.ofNullable(factories().get(uri.getScheme())).orElseThrow(() -> new StorageException(
                    StorageException.Reason.CONFIGURATION, "unsupported repository URL scheme '" + uri.getScheme()
                    + "' in '" + url + "'; supported: " + String.join(", ", factories().keySet())));
            return uri;
        } catch (URISyntaxException e) {
            throw new StorageException(StorageException.Reason.CONFIGURATION,
                    "malformed repository URL '" + url + "': " + e.getReason());
        }
    }

    /** Opens the adapter for a repository URL. */
    public static Storage open(String url, Map<String, String> settings, Map<String, String> environment) {
        URI uri = parse(url);
        return factories().get(uri.getScheme()).open(uri, settings, environment);
    }
}
