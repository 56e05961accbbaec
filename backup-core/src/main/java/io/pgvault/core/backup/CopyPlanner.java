package io.pgvault.core.backup;

import io.pgvault.core.manifest.EntryKind;
import io.pgvault.core.stream.Codec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;

/**
 * Groups files into {@link CopyTask}s: one per large file, one per range of a file above the range size, bundles of
 * small ones; largest work first.
 */
final class CopyPlanner {

    /** Original bytes per bundle before a new one starts. */
    static final long BUNDLE_TARGET = 32L * 1024 * 1024;

    private CopyPlanner() {
    }

    /** Tasks that never split a file. */
    static List<CopyTask> plan(List<SourceEntry> entries, long bundleLimit, Codec codec) {
        return plan(entries, bundleLimit, 0, codec);
    }

    /** Tasks that split every file above the range size. */
    static List<CopyTask> plan(List<SourceEntry> entries, long bundleLimit, long rangeSize, Codec codec) {
        return plan(entries, bundleLimit, rangeSize, codec, e -> true);
    }

    /**
     * @param rangeSize  files larger than this become ranges of this size (the last takes the rest); 0: never split
     * @param splittable which of the files above the range size may be split
     */
    static List<CopyTask> plan(List<SourceEntry> entries, long bundleLimit, long rangeSize, Codec codec,
                               Predicate<SourceEntry> splittable) {
        List<CopyTask> tasks = new ArrayList<>();
        List<SourceEntry> bundle = new ArrayList<>();
        long bundleBytes = 0;
        int singles = 0;
        int bundles = 0;
        for (SourceEntry e : entries) {
            if (e.kind() != EntryKind.FILE) {
                continue;
            }
            if (rangeSize > 0 && e.size() > rangeSize && splittable.test(e)) {
                String name = "data/f" + (++singles);
                long ranges = (e.size() + rangeSize - 1) / rangeSize;
                for (long k = 0; k < ranges; k++) {
                    tasks.add(new CopyTask(name + "." + k + "." + codec.extension(), List.of(e), k * rangeSize,
                            k == ranges - 1 ? -1 : rangeSize));
                }
                continue;
            }
            if (e.size() > bundleLimit) {
                tasks.add(new CopyTask("data/f" + (++singles) + "." + codec.extension(), List.of(e)));
                continue;
            }
            bundle.add(e);
            bundleBytes += e.size();
            if (bundleBytes >= BUNDLE_TARGET || bundle.size() >= 4096) {
                tasks.add(new CopyTask("data/b" + (++bundles) + "." + codec.extension(), List.copyOf(bundle)));
                bundle.clear();
                bundleBytes = 0;
            }
        }
        if (!bundle.isEmpty()) {
            tasks.add(new CopyTask("data/b" + (++bundles) + "." + codec.extension(), List.copyOf(bundle)));
        }
        tasks.sort(Comparator.comparingLong(CopyTask::bytes).reversed());
        return tasks;
    }
}
