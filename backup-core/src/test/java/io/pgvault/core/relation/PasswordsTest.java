package io.pgvault.core.relation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PasswordUtil;

class PasswordsTest {

    private final PasswordGenerator generator = new PasswordGenerator();

    @Test
    void passwordsAreLongFromTheAlphabetAndDistinct() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            String p = generator.generate();
            assertThat(p).hasSize(32).matches("[A-Za-z0-9]{32}");
            assertThat(seen.add(p)).isTrue();
        }
        assertThat(PasswordGenerator.entropyBits()).isGreaterThan(128);
    }

    @Test
    void everyCharacterIsAboutEquallyLikely() {
        Map<Character, Integer> counts = new HashMap<>();
        int n = 20000;
        for (int i = 0; i < n; i++) {
            for (char c : generator.generate().toCharArray()) {
                counts.merge(c, 1, Integer::sum);
            }
        }
        double expected = n * 32.0 / 62;
        assertThat(counts).hasSize(62);
        // chi-squared with 61 degrees of freedom: above 120 happens with p < 1e-5 for a uniform source
        double chi2 = counts.values().stream().mapToDouble(c -> (c - expected) * (c - expected) / expected).sum();
        assertThat(chi2).isLessThan(120);
    }

    @Test
    void verifiesScramVerifiersAsPostgresqlStoresThem() {
        String pw = generator.generate();
        String stored = PasswordUtil.encodeScramSha256(pw.toCharArray());
        assertThat(stored).startsWith("SCRAM-SHA-256$");
        assertThat(PasswordVerifier.matches(stored, "billing", pw)).isTrue();
        assertThat(PasswordVerifier.matches(stored, "billing", pw + "x")).isFalse();
        assertThat(PasswordVerifier.matches(stored, "billing", null)).isFalse();
    }

    @Test
    void verifiesMd5Hashes() {
        String stored = PasswordUtil.encodeMd5("billing", "s3cret".toCharArray());
        assertThat(PasswordVerifier.matches(stored, "billing", "s3cret")).isTrue();
        assertThat(PasswordVerifier.matches(stored, "other", "s3cret")).isFalse();
    }

    @Test
    void unknownOrDamagedVerifiersNeverMatch() {
        assertThat(PasswordVerifier.matches(null, "u", "p")).isFalse();
        assertThat(PasswordVerifier.matches("p", "u", "p")).isFalse();
        assertThat(PasswordVerifier.matches("SCRAM-SHA-256$x:y$z", "u", "p")).isFalse();
        assertThat(PasswordVerifier.matches("SCRAM-SHA-256$4096:!!$a:b", "u", "p")).isFalse();
    }
}
