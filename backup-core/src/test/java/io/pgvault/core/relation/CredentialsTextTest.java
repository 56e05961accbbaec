package io.pgvault.core.relation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CredentialsTextTest {

    private static final Endpoint PRIMARY = new Endpoint("db1.example.com", 5432);
    private static final Endpoint STANDBY = new Endpoint("10.0.0.2", 5433);

    private static Credentials creds(String password, List<Endpoint> standbys) {
        return new Credentials("billing", "shop", "billing", password, PRIMARY, "15.8", standbys,
                "pgvault_shop_owner", false);
    }

    @Test
    void jsonHasEveryProvidedValue() throws Exception {
        JsonNode n = new ObjectMapper().readTree(CredentialsText.render(creds("s3cret", List.of(STANDBY)),
                CredentialsFormat.JSON));
        assertThat(n.get("database").asText()).isEqualTo("shop");
        assertThat(n.get("user").asText()).isEqualTo("billing");
        assertThat(n.get("password").asText()).isEqualTo("s3cret");
        assertThat(n.get("host").asText()).isEqualTo("db1.example.com");
        assertThat(n.get("port").asInt()).isEqualTo(5432);
        assertThat(n.get("version").asText()).isEqualTo("15.8");
        assertThat(n.get("uri").asText()).isEqualTo("postgresql://billing:s3cret@db1.example.com:5432/shop");
        assertThat(n.get("connection_string").asText())
                .isEqualTo("host=db1.example.com port=5432 dbname=shop user=billing password=s3cret");
        assertThat(n.get("master").asText()).isEqualTo(n.get("connection_string").asText());
        assertThat(n.get("schema_user").asText()).isEqualTo("billing");
        assertThat(n.get("schema_password").asText()).isEqualTo("s3cret");
        assertThat(n.get("owner_role").asText()).isEqualTo("pgvault_shop_owner");
        assertThat(n.get("standbys")).hasSize(1);
        assertThat(n.get("standbys").get(0).get("uri").asText())
                .isEqualTo("postgresql://billing:s3cret@10.0.0.2:5433/shop");
        assertThat(n.get("standbys").get(0).get("connection_string").asText()).contains("host=10.0.0.2 port=5433");
    }

    @Test
    void noStandbysIsAnEmptyList() throws Exception {
        JsonNode n = new ObjectMapper().readTree(CredentialsText.render(creds("x", List.of()), CredentialsFormat.JSON));
        assertThat(n.get("standbys").isArray()).isTrue();
        assertThat(n.get("standbys")).isEmpty();
        assertThat(CredentialsText.environment(creds("x", List.of()))).containsEntry("PGVAULT_STANDBY_COUNT", "0")
                .containsEntry("PGVAULT_STANDBY_URIS", "");
    }

    @Test
    void envHasLibpqVariablesAndNumberedStandbys() {
        Map<String, String> env = CredentialsText.environment(creds("s3cret", List.of(STANDBY)));
        assertThat(env).containsEntry("PGHOST", "db1.example.com").containsEntry("PGPORT", "5432")
                .containsEntry("PGDATABASE", "shop").containsEntry("PGUSER", "billing")
                .containsEntry("PGPASSWORD", "s3cret")
                .containsEntry("DATABASE_URL", "postgresql://billing:s3cret@db1.example.com:5432/shop")
                .containsEntry("PGVAULT_STANDBY_COUNT", "1").containsEntry("PGVAULT_STANDBY_1_PORT", "5433")
                .containsEntry("PGVAULT_STANDBY_1_URI", "postgresql://billing:s3cret@10.0.0.2:5433/shop");
        String file = CredentialsText.render(creds("s3cret", List.of(STANDBY)), CredentialsFormat.ENV);
        assertThat(file).contains("\nPGPASSWORD=s3cret\n", "\nPGVAULT_CONNECTION_STRING='host=db1.example.com port=");
    }

    @Test
    void pgpassHasALinePerEndpoint() {
        String text = CredentialsText.render(creds("s3cret", List.of(STANDBY)), CredentialsFormat.PGPASS);
        assertThat(text).isEqualTo("db1.example.com:5432:shop:billing:s3cret\n10.0.0.2:5433:shop:billing:s3cret\n");
        assertThat(CredentialsText.render(creds("s3cret", List.of(STANDBY)), CredentialsFormat.URI)).isEqualTo(
                "postgresql://billing:s3cret@db1.example.com:5432/shop\n"
                        + "postgresql://billing:s3cret@10.0.0.2:5433/shop\n");
    }

    @Test
    void awkwardPasswordsSurviveEveryFormat() {
        String pw = "p@ss:w'o\"rd \\ $x`y/?#%";
        Credentials c = creds(pw, List.of());
        for (CredentialsFormat f : List.of(CredentialsFormat.JSON, CredentialsFormat.ENV, CredentialsFormat.PGPASS)) {
            String text = CredentialsText.render(c, f);
            assertThat(CredentialsText.passwordIn(text, f, "shop", "billing")).as(f.label()).contains(pw);
        }
        assertThat(c.uri(PRIMARY)).isEqualTo(
                "postgresql://billing:p%40ss%3Aw%27o%22rd%20%5C%20%24x%60y%2F%3F%23%25@db1.example.com:5432/shop");
        assertThat(c.connectionString(PRIMARY)).endsWith("password='p@ss:w\\'o\"rd \\\\ $x`y/?#%'");
    }

    @Test
    void passwordIsOnlyReadBackForTheSameLogin() {
        String json = CredentialsText.render(creds("s3cret", List.of()), CredentialsFormat.JSON);
        assertThat(CredentialsText.passwordIn(json, CredentialsFormat.JSON, "shop", "other")).isEmpty();
        assertThat(CredentialsText.passwordIn("not json", CredentialsFormat.JSON, "shop", "billing")).isEmpty();
        String env = CredentialsText.render(creds("s3cret", List.of()), CredentialsFormat.ENV);
        assertThat(CredentialsText.passwordIn(env, CredentialsFormat.ENV, "shop", "other")).isEmpty();
        String pgpass = CredentialsText.render(creds("s3cret", List.of()), CredentialsFormat.PGPASS);
        assertThat(CredentialsText.passwordIn(pgpass, CredentialsFormat.PGPASS, "other", "billing")).isEmpty();
    }

    @Test
    void toStringMasksThePassword() {
        assertThat(creds("s3cret", List.of()).toString()).doesNotContain("s3cret").contains("****");
    }

    @Test
    void ipv6HostsAreBracketedInUris() {
        Credentials c = new Credentials("a", "db", "u", "p", new Endpoint("::1", 5432), "15", List.of(), "o", false);
        assertThat(c.uri(c.primary())).isEqualTo("postgresql://u:p@[::1]:5432/db");
        assertThat(c.connectionString(c.primary())).startsWith("host=::1 port=5432");
    }
}
