package io.pgvault.core.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgvault.core.pg.TimelineId;
import io.pgvault.core.pg.WalFileName;
import io.pgvault.core.stream.Codec;
import io.pgvault.storage.ObjectKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RepositoryLayoutTest {

    private final RepositoryLayout layout = new RepositoryLayout("main");
    private final BackupId id = BackupId.parse("20261121T101500F");

    @Test
    void clusterAndBackupKeys() {
        assertThat(layout.clusterInfo()).isEqualTo("main/cluster.json");
        assertThat(layout.backupsPrefix()).isEqualTo("main/backups/");
        assertThat(layout.backupPrefix(id)).isEqualTo("main/backups/20261121T101500F/");
        assertThat(layout.manifest(id)).isEqualTo("main/backups/20261121T101500F/manifest.json");
        assertThat(layout.backupObject(id, "data/b1.zst")).isEqualTo("main/backups/20261121T101500F/data/b1.zst");
        assertThat(layout.relationsPrefix()).isEqualTo("main/relations/");
        assertThat(layout.relation("billing")).isEqualTo("main/relations/billing.json");
        assertThat(layout.locksPrefix()).isEqualTo("main/locks/");
    }

    @Test
    void walKeysGroupSegmentsByTimelineAndLogId() {
        WalFileName seg = WalFileName.parse("00000001000000020000000A");
        assertThat(layout.walPrefix()).isEqualTo("main/wal/");
        assertThat(layout.walObjectStem(seg)).isEqualTo("main/wal/0000000100000002/00000001000000020000000A");
        assertThat(layout.walObject(seg, Codec.ZSTD))
                .isEqualTo("main/wal/0000000100000002/00000001000000020000000A.zst");
        assertThat(layout.walObject(seg, Codec.NONE))
                .isEqualTo("main/wal/0000000100000002/00000001000000020000000A.raw");
        assertThat(layout.walObject(WalFileName.parse("00000001000000020000000A.partial"), Codec.LZ4))
                .isEqualTo("main/wal/0000000100000002/00000001000000020000000A.partial.lz4");
        assertThat(layout.walObject(WalFileName.parse("000000010000000200000009.00000028.backup"), Codec.GZIP))
                .isEqualTo("main/wal/0000000100000002/000000010000000200000009.00000028.backup.gz");
    }

    @Test
    void historyFilesSitAtTheTopOfWal() {
        assertThat(layout.walObject(WalFileName.parse("00000002.history"), Codec.ZSTD))
                .isEqualTo("main/wal/00000002.history.zst");
        assertThat(layout.history(TimelineId.of(2), Codec.ZSTD)).isEqualTo("main/wal/00000002.history.zst");
        assertThat(layout.history(TimelineId.of(0x1A), Codec.NONE)).isEqualTo("main/wal/0000001A.history.raw");
    }

    @Test
    void everyKeyIsAValidObjectKey() {
        for (String key : new String[] {layout.clusterInfo(), layout.manifest(id), layout.backupObject(id, "data/f1.lz4"),
            layout.walObject(WalFileName.parse("000000010000000000000001"), Codec.GZIP),
            layout.history(TimelineId.of(3), Codec.LZ4), layout.relation("app")}) {
            assertThat(ObjectKey.check(key)).isEqualTo(key);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"main", "m", "db-1_prod.eu", "9", "A23456789012345678901234567890123456789012345678901234567890123"})
    void acceptsClusterNames(String name) {
        assertThat(new RepositoryLayout(name).cluster()).isEqualTo(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "..", "-main", ".main", "_main", "a/b", "a\\b", "a..b", "a b", "main/",
        "A234567890123456789012345678901234567890123456789012345678901234", "müll", "a:b"})
    void refusesClusterNames(String name) {
        assertThatThrownBy(() -> new RepositoryLayout(name)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid cluster name");
    }

    @Test
    void refusesNullCluster() {
        assertThatThrownBy(() -> new RepositoryLayout(null)).isInstanceOf(IllegalArgumentException.class);
    }
}
