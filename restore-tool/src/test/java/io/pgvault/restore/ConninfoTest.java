package io.pgvault.restore;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ConninfoTest {

    @Test
    void masksKeyValuePasswords() {
        assertThat(Conninfo.masked("host=10.0.0.1 user=rep password=s3cret port=5432"))
                .isEqualTo("host=10.0.0.1 user=rep password=******** port=5432");
        assertThat(Conninfo.masked("host=a password = 'it\\'s a secret' user=b"))
                .doesNotContain("secret").contains("user=b");
        assertThat(Conninfo.masked("PASSWORD=x sslpassword=y host=h")).doesNotContain("=x").doesNotContain("=y")
                .contains("host=h");
    }

    @Test
    void masksUriPasswords() {
        assertThat(Conninfo.masked("postgresql://rep:s3cret@10.0.0.1:5432/db?sslmode=require"))
                .isEqualTo("postgresql://rep:********@10.0.0.1:5432/db?sslmode=require");
        assertThat(Conninfo.masked("postgres://h/db?user=rep&password=s3cret&application_name=x"))
                .isEqualTo("postgres://h/db?user=rep&password=********&application_name=x");
    }

    @Test
    void leavesConninfoWithoutPasswordAlone() {
        assertThat(Conninfo.masked("host=h user=rep passfile=/x")).isEqualTo("host=h user=rep passfile=/x");
        assertThat(Conninfo.masked("postgresql://rep@h/db")).isEqualTo("postgresql://rep@h/db");
    }

    @Test
    void masksOnlyPrimaryConninfoAmongSettings() {
        assertThat(Conninfo.maskedSettings(Map.of("primary_conninfo", "password=x", "restore_command", "cmd")))
                .containsEntry("primary_conninfo", "password=********").containsEntry("restore_command", "cmd");
        assertThat(new StandbySettings("host=h password=x", null).toString()).doesNotContain("=x");
    }
}
