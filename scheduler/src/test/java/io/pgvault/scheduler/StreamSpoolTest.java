package io.pgvault.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgvault.core.pg.TimelineId;
import io.pgvault.core.pg.WalSegmentName;
import io.pgvault.core.pg.WalSegmentSize;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StreamSpoolTest {

    private static final WalSegmentSize SIZE = new WalSegmentSize(1024 * 1024);

    @TempDir
    Path dir;

    private static WalSegmentName seg(long n) {
        return new WalSegmentName(TimelineId.of(1), n, SIZE);
    }

    @Test
    void aSegmentGrowsInItsPartialFileIsResumedAtAnOffsetAndRenamedWhenComplete() throws IOException {
        StreamSpool spool = new StreamSpool(dir, SIZE);
        try (StreamSpool.SegmentFile f = spool.open(seg(3), 0)) {
            f.write(ByteBuffer.wrap(new byte[1000]));
            f.sync();
        }
        assertThat(spool.localBytes(seg(3))).isEqualTo(1000);
        assertThat(spool.localBytes(seg(4))).isZero();

        // a resume at 600 cuts what lies beyond: the server sends those bytes again
        try (StreamSpool.SegmentFile f = spool.open(seg(3), 600)) {
            assertThat(f.length()).isEqualTo(600);
            assertThatThrownBy(f::finish).isInstanceOf(IllegalStateException.class).hasMessageContaining("not complete");
        }
        StreamSpool.SegmentFile f = spool.open(seg(3), 600);
        byte[] rest = new byte[(int) SIZE.bytes() - 600];
        rest[rest.length - 1] = 7;
        f.write(ByteBuffer.wrap(rest));
        Path whole = f.finish();
        assertThat(whole).isEqualTo(dir.resolve("000000010000000000000003"));
        assertThat(Files.size(whole)).isEqualTo(SIZE.bytes());
        assertThat(dir.resolve("000000010000000000000003.partial")).doesNotExist();
        assertThat(spool.finished()).containsExactly(whole);
    }

    @Test
    void partialsOfOtherSegmentsAreRemovedAndCompleteOnesListedOldestFirst() throws IOException {
        StreamSpool spool = new StreamSpool(dir, SIZE);
        Files.write(dir.resolve("000000010000000000000002.partial"), new byte[10]);
        Files.write(dir.resolve("000000010000000000000005.partial"), new byte[10]);
        Files.write(dir.resolve("000000010000000000000004"), new byte[1]);
        Files.write(dir.resolve("000000010000000000000001"), new byte[1]);
        Files.write(dir.resolve("notes.txt"), new byte[1]);
        spool.removeOtherPartials(seg(5));
        assertThat(dir.resolve("000000010000000000000002.partial")).doesNotExist();
        assertThat(dir.resolve("000000010000000000000005.partial")).exists();
        assertThat(spool.finished()).containsExactly(dir.resolve("000000010000000000000001"),
                dir.resolve("000000010000000000000004"));
    }
}
