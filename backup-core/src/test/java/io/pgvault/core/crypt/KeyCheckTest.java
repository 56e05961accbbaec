package io.pgvault.core.crypt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.repo.Json;
import org.junit.jupiter.api.Test;

class KeyCheckTest {

    static final int FAST = 10_000; // PBKDF2 iterations for tests; the default is DEFAULT_ITERATIONS

    @Test
    void rightPassphraseOpensTheSameMasterKey() {
        MasterKey master = MasterKey.generate();
        KeyCheck check = KeyCheck.seal(master, Passphrase.of("correct horse"), FAST);
        assertThat(check.open(Passphrase.of("correct horse"), "test").sameAs(master)).isTrue();
        assertThat(check.kdf()).isEqualTo("PBKDF2WithHmacSHA256");
        assertThat(check.iterations()).isEqualTo(FAST);
    }

    @Test
    void wrongPassphraseIsKeyError() {
        KeyCheck check = KeyCheck.seal(MasterKey.generate(), Passphrase.of("correct horse"), FAST);
        assertThatThrownBy(() -> check.open(Passphrase.of("correct horse!"), "cluster 'main'"))
                .isInstanceOf(PgVaultException.class)
                .satisfies(e -> assertThat(((PgVaultException) e).code()).isEqualTo(ErrorCode.KEY))
                .hasMessageContaining("passphrase is wrong for cluster 'main'")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("correct horse"));
        assertThat(ErrorCode.KEY.exitCode()).isEqualTo(16);
    }

    @Test
    void resealingUnderANewPassphraseKeepsTheKeyAndSalts() {
        MasterKey master = MasterKey.generate();
        KeyCheck a = KeyCheck.seal(master, Passphrase.of("one"), FAST);
        KeyCheck b = KeyCheck.seal(master, Passphrase.of("two"), FAST);
        assertThat(b.salt()).isNotEqualTo(a.salt());
        assertThat(b.open(Passphrase.of("two"), "t").sameAs(a.open(Passphrase.of("one"), "t"))).isTrue();
        assertThatThrownBy(() -> b.open(Passphrase.of("one"), "t")).isInstanceOf(PgVaultException.class);
    }

    @Test
    void keyCheckIsReadableJsonWithoutTheKey() throws Exception {
        MasterKey master = MasterKey.generate();
        KeyCheck check = KeyCheck.seal(master, Passphrase.of("p"), FAST);
        String json = Json.mapper().writeValueAsString(check);
        assertThat(json).contains("\"kdf\"", "\"iterations\"", "\"salt\"", "\"wrappedMasterKey\"");
        assertThat(json).doesNotContain(java.util.Base64.getEncoder().encodeToString(master.bytes()));
        assertThat(Json.mapper().readValue(json, KeyCheck.class)).isEqualTo(check);
    }

    @Test
    void passphraseFileMustBePrivate(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path file = java.nio.file.Files.writeString(dir.resolve("pass"), "from a file\n");
        java.nio.file.Files.setPosixFilePermissions(file,
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
        assertThatThrownBy(() -> Passphrase.readFile(file))
                .satisfies(e -> assertThat(((PgVaultException) e).code()).isEqualTo(ErrorCode.CONFIG))
                .hasMessageContaining("chmod 600");
        java.nio.file.Files.setPosixFilePermissions(file,
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        assertThat(Passphrase.readFile(file).sameAs(Passphrase.of("from a file"))).isTrue();
    }

    @Test
    void passphrasesAreNeverPrinted() {
        assertThat(Passphrase.of("s3cret").toString()).doesNotContain("s3cret");
        assertThat(MasterKey.generate().toString()).isEqualTo("MasterKey[****]");
        assertThatThrownBy(() -> Passphrase.of("  ")).isInstanceOf(IllegalArgumentException.class);
    }
}
