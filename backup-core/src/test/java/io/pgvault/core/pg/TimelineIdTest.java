package io.pgvault.core.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgvault.core.repo.Json;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TimelineIdTest {

    @Test
    void rangeIsOneToUnsigned32Bit() {
        assertThat(TimelineId.of(1).value()).isEqualTo(1);
        assertThat(TimelineId.of(0xFFFFFFFFL).hex()).isEqualTo("FFFFFFFF");
        assertThatThrownBy(() -> TimelineId.of(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("out of range");
        assertThatThrownBy(() -> TimelineId.of(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TimelineId.of(0x1_0000_0000L)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void hexIsEightUpperCaseDigits() {
        assertThat(TimelineId.of(1).hex()).isEqualTo("00000001");
        assertThat(TimelineId.of(0xAB).hex()).isEqualTo("000000AB");
    }

    @Test
    void parsesHex() {
        assertThat(TimelineId.parseHex("0000000A")).isEqualTo(TimelineId.of(10));
        assertThat(TimelineId.parseHex("0000000a")).isEqualTo(TimelineId.of(10));
        assertThat(TimelineId.parseHex("FFFFFFFF")).isEqualTo(TimelineId.of(0xFFFFFFFFL));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1", "0000001", "000000001", "0000000G", "-0000001", "0000 001"})
    void refusesBadHex(String hex) {
        assertThatThrownBy(() -> TimelineId.parseHex(hex)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + hex + "'");
    }

    @Test
    void refusesNullAndZeroHex() {
        assertThatThrownBy(() -> TimelineId.parseHex(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TimelineId.parseHex("00000000")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("out of range");
    }

    @Test
    void parsesDecimal() {
        assertThat(TimelineId.parseDecimal("2")).isEqualTo(TimelineId.of(2));
        assertThat(TimelineId.parseDecimal(" 17 ")).isEqualTo(TimelineId.of(17));
        assertThat(TimelineId.parseDecimal("4294967295")).isEqualTo(TimelineId.of(0xFFFFFFFFL));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "x", "1.5", "0x2", "0", "-1", "4294967296", "99999999999999999999"})
    void refusesBadDecimal(String text) {
        assertThatThrownBy(() -> TimelineId.parseDecimal(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void ordersNumerically() {
        List<TimelineId> ids = new ArrayList<>(List.of(TimelineId.of(10), TimelineId.of(2), TimelineId.of(0xFFFFFFFFL),
                TimelineId.of(1)));
        Collections.sort(ids);
        assertThat(ids).extracting(TimelineId::value).containsExactly(1L, 2L, 10L, 0xFFFFFFFFL);
    }

    @Test
    void printsDecimalAndJsonIsANumber() throws Exception {
        assertThat(TimelineId.of(12)).hasToString("12");
        assertThat(Json.mapper().writeValueAsString(TimelineId.of(12))).isEqualTo("12");
        assertThat(Json.mapper().readValue("12", TimelineId.class)).isEqualTo(TimelineId.of(12));
        assertThatThrownBy(() -> Json.mapper().readValue("0", TimelineId.class))
                .hasRootCauseInstanceOf(IllegalArgumentException.class);
    }
}
