package io.pgvault.restore;

import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.manifest.EntryKind;
import io.pgvault.core.manifest.FileEntry;
import io.pgvault.core.repo.Json;
import io.pgvault.core.stream.Sha256;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Manifests for unit tests, built through JSON so they keep up with the manifest's fields. */
final class TestManifests {

    private TestManifests() {
    }

    static BackupManifest manifest(String id, long timeline, String stopLsn, String stopWal, List<FileEntry> files) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", 1);
        m.put("id", id);
        m.put("type", "FULL");
        m.put("cluster", "main");
        m.put("systemIdentifier", "7000000000000000001");
        m.put("pgVersionNum", 150000);
        m.put("walSegmentSize", 16 * 1024 * 1024);
        m.put("timeline", timeline);
        m.put("startLsn", "0/2000028");
        m.put("stopLsn", stopLsn);
        m.put("startWal", stopWal);
        m.put("stopWal", stopWal);
        m.put("startTime", "2026-01-01T00:00:00Z");
        m.put("stopTime", "2026-01-01T00:00:10Z");
        m.put("codec", "NONE");
        m.put("files", files);
        return Json.mapper().convertValue(m, BackupManifest.class);
    }

    static FileEntry file(String path, String content) {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        return new FileEntry(path, EntryKind.FILE, bytes.length, 0600, 1_700_000_000_000L, Sha256.of(bytes), null,
                List.of());
    }

    static FileEntry dir(String path) {
        return FileEntry.directory(path, 0700, 1_700_000_000_000L);
    }
}
