package io.pgvault.core.relation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SqlIdentifierTest {

    private static final List<String> HOSTILE = List.of("x\"; DROP TABLE t; --", "r'; --", "a b", "semi;colon",
            "back\\slash", "new\nline", "colon:name", "", "-leading", ".leading", "$leading", "at@host", "sl/ash",
            "a".repeat(64), "ünïcode", "nul\0");

    @Test
    void acceptsOrdinaryNames() {
        for (String ok : List.of("shop", "Shop_2", "my-app", "v1.2", "pay$", "_x", "9lives", "a".repeat(63),
                "uuid-ossp", "citext")) {
            assertThat(SqlIdentifier.check("database", ok)).isEqualTo(ok);
        }
    }

    @Test
    void refusesHostileNamesWithOneLineMessages() {
        for (String bad : HOSTILE) {
            assertThatThrownBy(() -> SqlIdentifier.check("role", bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("invalid role name")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("\0"));
        }
    }

    @Test
    void quotesAnythingHarmlessly() {
        assertThat(SqlIdentifier.quote("shop")).isEqualTo("\"shop\"");
        assertThat(SqlIdentifier.quote("x\"; DROP TABLE t; --")).isEqualTo("\"x\"\"; DROP TABLE t; --\"");
        assertThat(SqlIdentifier.quote("r'; --")).isEqualTo("\"r'; --\"");
        assertThatThrownBy(() -> SqlIdentifier.quote("nul\0")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void quotedNameIsOneIdentifier() {
        // every quote inside is doubled, so the identifier ends exactly at the last character
        for (String bad : HOSTILE.subList(0, HOSTILE.size() - 1)) {
            String q = SqlIdentifier.quote(bad);
            String inner = q.substring(1, q.length() - 1);
            assertThat(q).startsWith("\"").endsWith("\"");
            assertThat(inner.replace("\"\"", "")).doesNotContain("\"");
        }
    }

    @Test
    void literalsEscapeQuotesAndBackslashes() {
        assertThat(SqlIdentifier.literal("it's")).isEqualTo("E'it''s'");
        assertThat(SqlIdentifier.literal("a\\'; DROP")).isEqualTo("E'a\\\\''; DROP'");
    }

    @Test
    void appNamesAreValidatedAsObjectKeys() {
        assertThat(AppName.of("billing-v2.prod_1").value()).isEqualTo("billing-v2.prod_1");
        for (String bad : List.of("", "../etc", "a/b", "a..b", "-x", ".x", "_x", "a b", "x\"", "a".repeat(64))) {
            assertThatThrownBy(() -> AppName.of(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("invalid application name");
        }
    }

    @Test
    void endpointsParse() {
        assertThat(Endpoint.parse("db2:5433")).isEqualTo(new Endpoint("db2", 5433));
        assertThat(Endpoint.parse("[::1]:5432")).isEqualTo(new Endpoint("::1", 5432));
        assertThat(new Endpoint("::1", 5432).toString()).isEqualTo("[::1]:5432");
        for (String bad : List.of("db2", "db2:", ":5432", "db2:x", "db2:70000", "a;b:5432")) {
            assertThatThrownBy(() -> Endpoint.parse(bad)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
