package io.pgvault.core.backup;

import java.util.List;

/**
 * One unit of parallel backup work: the files written into one repository object. Large files get an object each;
 * small files share a bundle, so a database of many tiny relations does not become many tiny objects.
 *
 * @param objectName object name relative to the backup's prefix
 * @param files      the files, in the order they are appended
 */
record CopyTask(String objectName, List<SourceEntry> files) {

    long bytes() {
        return files.stream().mapToLong(SourceEntry::size).sum();
    }
}
