package io.pgvault.cli.commands;

import io.pgvault.core.manifest.BackupManifest;
import io.pgvault.core.manifest.EntryKind;
import java.time.Instant;

/** A backup as list, info and backup --json print it (the manifest without its file list). */
record BackupSummary(String id, String type, String parent, long timeline, String startLsn, String stopLsn,
                     String startWal, String stopWal, Instant startTime, Instant stopTime, long dataSize,
                     long repoSize, long files, String codec, int pgVersionNum) {

    static BackupSummary of(BackupManifest m) {
        return new BackupSummary(m.id().toString(), m.type().toString(),
                m.parent() == null ? null : m.parent().toString(), m.timeline().value(), m.startLsn().toString(),
                m.stopLsn().toString(), m.startWal(), m.stopWal(), m.startTime(), m.stopTime(), m.dataSize(),
                m.repoSize(), m.files().stream().filter(f -> f.kind() == EntryKind.FILE).count(),
                m.codec().toString(), m.pgVersionNum());
    }
}
