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

class LsnTest {

    @Test
    void parsesHighAndLowHalves() {
        assertThat(Lsn.parse("0/16B3748").value()).isEqualTo(0x16B3748L);
        assertThat(Lsn.parse("1/0").value()).isEqualTo(0x1_0000_0000L);
        assertThat(Lsn.parse("A/B").value()).isEqualTo(0xA_0000_000BL);
        assertThat(Lsn.parse("0/0")).isEqualTo(Lsn.ZERO);
    }

    @Test
    void acceptsLowerCaseAndPrintsUpperCase() {
        Lsn lsn = Lsn.parse("ab/cdef0123");
        assertThat(lsn.value()).isEqualTo(0xAB_CDEF0123L);
        assertThat(lsn).hasToString("AB/CDEF0123");
    }

    @Test
    void printsWithoutLeadingZeros() {
        assertThat(new Lsn(0x3000060L)).hasToString("0/3000060");
        assertThat(Lsn.parse("00000001/00000002")).hasToString("1/2");
    }

    @Test
    void fullRangeIsUnsigned() {
        Lsn max = Lsn.parse("FFFFFFFF/FFFFFFFF");
        assertThat(max.value()).isEqualTo(-1L);
        assertThat(max).hasToString("FFFFFFFF/FFFFFFFF");
        Lsn highBit = Lsn.parse("80000000/0");
        assertThat(highBit.value()).isNegative();
        assertThat(max.isAfter(Lsn.parse("0/1"))).isTrue();
        assertThat(highBit.isAfter(Lsn.parse("7FFFFFFF/FFFFFFFF"))).isTrue();
        assertThat(Lsn.ZERO.isBefore(highBit)).isTrue();
    }

    @Test
    void sortsUnsigned() {
        List<Lsn> lsns = new ArrayList<>(List.of(Lsn.parse("FFFFFFFF/0"), Lsn.parse("0/1"),
                Lsn.parse("80000000/0"), Lsn.ZERO, Lsn.parse("1/0")));
        Collections.sort(lsns);
        assertThat(lsns).extracting(Lsn::toString)
                .containsExactly("0/0", "0/1", "1/0", "80000000/0", "FFFFFFFF/0");
    }

    @Test
    void roundTripsThroughText() {
        for (long v : new long[] {0, 1, 0xFFFFFFFFL, 0x1_0000_0000L, 0x1234_5678_9ABC_DEF0L, Long.MAX_VALUE, -1L}) {
            Lsn lsn = new Lsn(v);
            assertThat(Lsn.parse(lsn.toString())).isEqualTo(lsn);
        }
    }

    @Test
    void arithmetic() {
        Lsn a = Lsn.parse("0/FFFFFFFF");
        assertThat(a.plus(1)).isEqualTo(Lsn.parse("1/0"));
        assertThat(Lsn.parse("1/0").minus(a)).isEqualTo(1);
        assertThat(a.minus(Lsn.parse("1/0"))).isEqualTo(-1);
        assertThat(a.isAfter(a)).isFalse();
        assertThat(a.isBefore(a)).isFalse();
        assertThat(a.compareTo(Lsn.parse("0/FFFFFFFF"))).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/", "0/", "/0", "0", "123456789/0", "0/123456789", "g/0", "0/g", "0x1/0",
        "0/0/0", " 0/1", "0/1 ", "-1/0", "+1/0", "0/-1", "0\\1", "0:1"})
    void refusesMalformedText(String text) {
        assertThatThrownBy(() -> Lsn.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not an LSN")
                .hasMessageContaining("'" + text + "'");
    }

    @Test
    void refusesNull() {
        assertThatThrownBy(() -> Lsn.parse(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("missing");
    }

    @Test
    void jsonIsTheTextForm() throws Exception {
        String json = Json.mapper().writeValueAsString(Lsn.parse("1/2000028"));
        assertThat(json).isEqualTo("\"1/2000028\"");
        assertThat(Json.mapper().readValue(json, Lsn.class)).isEqualTo(Lsn.parse("1/2000028"));
    }
}
