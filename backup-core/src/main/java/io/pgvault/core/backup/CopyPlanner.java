package io.pgvault.core.backup;

import io.pgvault.core.manifest.EntryKind;
import io.pgvault.core.stream.Codec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Groups files into {@link CopyTask}s: one per large file, bundles of small ones; largest work first. */
final class CopyPlanner {

    /** Original bytes per bundle before a new one starts. */
    static final long BUNDLE_TARGET = 32L * 1024 * 1024;

    private CopyPlanner() {
    }

    static List<CopyTask> plan(List<SourceEntry> entries, long bundleLimit, Codec codec) {
        List<CopyTask> tasks = new ArrayList<>();
        List<SourceEntry> bundle = new ArrayList<>();
        long bundleBytes = 0;
        int singles = 0;
        int bundles = 0;
        for (SourceEntry e : entries) {
            if (e.kind() != EntryKind.FILE) {
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
