package io.pgvault.core.backup;

import java.util.List;

/**
 * One unit of parallel backup work: the files written into one repository object. Large files get an object each,
 * or one per range when larger than the range size; small files share a bundle, so a database of many tiny relations
 * does not become many tiny objects.
 *
 * @param objectName  object name relative to the backup's prefix
 * @param files       the files, in the order they are appended
 * @param rangeOffset for a range of a split file (then {@code files} holds that one file): where the range starts;
 *                    -1 for whole files
 * @param rangeLength bytes of the range; -1 for the last range, which reads to the end of the file (it may have
 *                    grown since the scan)
 */
record CopyTask(String objectName, List<SourceEntry> files, long rangeOffset, long rangeLength) {

    /** Whole files. */
    CopyTask(String objectName, List<SourceEntry> files) {
        this(objectName, files, -1, -1);
    }

    boolean isRange() {
        return rangeOffset >= 0;
    }

    long bytes() {
        if (isRange()) {
            return rangeLength >= 0 ? rangeLength : Math.max(0, files.get(0).size() - rangeOffset);
        }
        return files.stream().mapToLong(SourceEntry::size).sum();
    }
}
