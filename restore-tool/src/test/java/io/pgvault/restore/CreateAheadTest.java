package io.pgvault.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgvault.core.manifest.FileEntry;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Files are created task by task, each path once, the rest last; a failure reaches every waiting worker. */
class CreateAheadTest {

    private static final FileEntry A = TestManifests.file("base/5/1", "a");
    private static final FileEntry B = TestManifests.file("base/5/2", "b");
    private static final FileEntry C = TestManifests.file("base/5/3", "c");
    private static final FileEntry EMPTY = TestManifests.file("base/5/4", "");

    @Test
    void createsInTaskOrderEachPathOnceAndTheRestLast() throws Exception {
        List<String> created = new CopyOnWriteArrayList<>();
        try (CreateAhead ahead = new CreateAhead(List.of(List.of(A), List.of(B, A), List.of(C)), List.of(EMPTY),
                f -> created.add(f.path()))) {
            ahead.await(1);
            assertThat(created).startsWith("base/5/1", "base/5/2");
            ahead.finish();
            assertThat(created).containsExactly("base/5/1", "base/5/2", "base/5/3", "base/5/4");
        }
    }

    @Test
    void aFailureReachesTheWorkersThatWaitAndTheEnd() throws Exception {
        try (CreateAhead ahead = new CreateAhead(List.of(List.of(A), List.of(B), List.of(C)), List.of(), f -> {
            if (f == B) {
                throw new IOException("base/5/2 exists");
            }
        })) {
            ahead.await(0); // created before the failure
            assertThatThrownBy(() -> ahead.await(2)).isInstanceOf(IOException.class).hasMessage("base/5/2 exists");
            assertThatThrownBy(ahead::finish).isInstanceOf(IOException.class);
        }
    }
}
