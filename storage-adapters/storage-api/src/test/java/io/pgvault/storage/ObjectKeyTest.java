package io.pgvault.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ObjectKeyTest {
    @ParameterizedTest
    @ValueSource(strings = {"", "/a", "a/", "a//b", "../a", "a/../b", "a/./b", "a\\b", "a\nb", ".."})
    void refusesUnsafeKeys(String key) {
        assertThatThrownBy(() -> ObjectKey.check(key)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void acceptsOrdinaryKeys() {
        assertThat(ObjectKey.check("main/wal/0000000100000000/000000010000000000000001.zst"))
                .endsWith(".zst");
        assertThat(ObjectKey.checkPrefix("main/wal/")).isEqualTo("main/wal/");
        assertThat(ObjectKey.checkPrefix("")).isEmpty();
    }
}
