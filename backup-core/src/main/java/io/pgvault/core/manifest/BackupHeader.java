package io.pgvault.core.manifest;

import java.util.List;
import java.util.Objects;

/**
 * A backup as listing, restore planning and retention see it: its manifest without the file list, and how many files
 * that list has. Reading every manifest in full would hold a record per file of every backup at once, so memory would
 * grow with backups times files; a header is a few hundred bytes.
 *
 * @param manifest the manifest with an empty {@link BackupManifest#files()}: read the backup itself to restore or
 *                 verify it
 * @param files    the number of regular files the manifest lists
 */
public record BackupHeader(BackupManifest manifest, long files) {

    public BackupHeader {
        Objects.requireNonNull(manifest, "manifest");
        if (!manifest.files().isEmpty()) {
            throw new IllegalArgumentException("a header of backup " + manifest.id() + " carries its file list");
        }
        if (files < 0) {
            throw new IllegalArgumentException("negative file count " + files);
        }
    }

    /** The manifests of these headers (without their file lists), in the same order. */
    public static List<BackupManifest> manifests(List<BackupHeader> headers) {
        return headers.stream().map(BackupHeader::manifest).toList();
    }

    /** The header of a manifest read in full. */
    public static BackupHeader of(BackupManifest full) {
        return new BackupHeader(full.withoutFiles(), full.files().stream().filter(f -> f.kind() == EntryKind.FILE)
                .count());
    }
}
