package io.pgvault.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.github.luben.zstd.util.Native;
import org.junit.jupiter.api.Test;

/** The warm-up really exercises what it is for: its manifest parses, and zstd's library is loaded after it. */
class WarmupTest {

    @Test
    void parsesItsManifestAndLoadsZstd() {
        assertThatCode(Warmup::warm).doesNotThrowAnyException();
        assertThat(Native.isLoaded()).isTrue();
    }
}
