package io.pgvault.cli.commands;

import io.pgvault.core.manifest.BackupHeader;
import io.pgvault.core.manifest.BackupManifest;
import java.time.Instant;

/** A backup as list, info and backup --json print it (the manifest without its file list, with its pin). */
record BackupSummary(String id, String type, String parent, long timeline, String startLsn, String stopLsn,
                     String startWal, String stopWal, Instant startTime, Instant stopTime, long dataSize,
                     long repoSize, long files, String codec, int pgVersionNum, boolean pinned) {

    static BackupSummary of(BackupManifest m) {
        return of(BackupHeader.of(m), java.util.Set.of());
    }

    /** The summary, with {@code pinned} set when the backup's id is among {@code pins}. */
    static BackupSummary of(BackupHeader h, java.util.Set<io.pgvault.core.repo.BackupId> pins) {
        BackupManifest m = h.manifest();
        return new BackupSummary(m.id().toString(), m.type().toString(),
                m.parent() == null ? null : m.parent().toString(), m.timeline().value(), m.startLsn().toString(),
                m.stopLsn().toString(), m.startWal(), m.stopWal(), m.startTime(), m.stopTime(), m.dataSize(),
                m.repoSize(), h.files(), m.codec().toString(), m.pgVersionNum(), pins.contains(m.id()));
    }
}
