package io.pgvault.core.repo;

import io.pgvault.core.pg.TimelineId;
import io.pgvault.core.pg.WalFileName;
import io.pgvault.core.stream.Codec;
import java.util.regex.Pattern;

/**
 * Where things live in a repository (format 1). Every key pgvault writes is built here:
 * <pre>
 * &lt;cluster&gt;/cluster.json
 * &lt;cluster&gt;/backups/&lt;id&gt;/manifest.json            written last
 * &lt;cluster&gt;/backups/&lt;id&gt;/data/...                  file data and bundles
 * &lt;cluster&gt;/wal/&lt;timeline+log&gt;/&lt;segment&gt;.&lt;codec&gt;
 * &lt;cluster&gt;/wal/&lt;timeline&gt;.history.&lt;codec&gt;
 * &lt;cluster&gt;/relations/&lt;app&gt;.json
 * &lt;cluster&gt;/pins/&lt;id&gt;                          a pinned backup is never expired
 * </pre>
 */
public record RepositoryLayout(String cluster) {

    private static final Pattern CLUSTER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");

    public RepositoryLayout {
        if (cluster == null || !CLUSTER_NAME.matcher(cluster).matches() || cluster.contains("..")) {
            throw new IllegalArgumentException("invalid cluster name '" + cluster
                    + "': use letters, digits, '_', '-' and '.', at most 63 characters");
        }
    }

    public String clusterInfo() {
        return cluster + "/cluster.json";
    }

    /** The binding as it was before a passphrase change, kept only until the new one is proven readable. */
    public String previousClusterInfo() {
        return cluster + "/cluster.json.previous";
    }

    public String backupsPrefix() {
        return cluster + "/backups/";
    }

    public String backupPrefix(BackupId id) {
        return backupsPrefix() + id + "/";
    }

    public String manifest(BackupId id) {
        return backupPrefix(id) + "manifest.json";
    }

    /** A data object of a backup; {@code name} is relative, e.g. {@code data/base/1/1259.zst}. */
    public String backupObject(BackupId id, String name) {
        return backupPrefix(id) + name;
    }

    public String walPrefix() {
        return cluster + "/wal/";
    }

    /** The key prefix shared by every stored form of a WAL file (the codec extension follows). */
    public String walObjectStem(WalFileName name) {
        return name.kind() == WalFileName.Kind.HISTORY
                ? walPrefix() + name.name()
                : walPrefix() + name.directory() + "/" + name.name();
    }

    public String walObject(WalFileName name, Codec codec) {
        return walObjectStem(name) + "." + codec.extension();
    }

    public String history(TimelineId timeline, Codec codec) {
        return walObject(WalFileName.parse(timeline.hex() + ".history"), codec);
    }

    public String relationsPrefix() {
        return cluster + "/relations/";
    }

    public String relation(String app) {
        return relationsPrefix() + app + ".json";
    }

    public String pinsPrefix() {
        return cluster + "/pins/";
    }

    /** The marker that pins a backup: while it exists, expire keeps the backup and its ancestors. */
    public String pin(BackupId id) {
        return pinsPrefix() + id;
    }

    public String locksPrefix() {
        return cluster + "/locks/";
    }
}
