package io.pgvault.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgvault.core.testing.PgTestCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The whole disaster-recovery drill: two related clients (one with a custom username, one admin) create objects;
 * backup; more writes; the data directory is lost; restore --target-time T --start --relate into a new directory;
 * both clients log in with the freshly published credentials (old passwords fail), see exactly the data up to T,
 * and can still alter their own objects.
 */
@Tag("integration")
class DisasterDrillIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void restoresToTheSecondBeforeAndReRelatesTheClients() throws Exception {
        Path work = PgTestCluster.workDirectory("pgvault-drill-");
        RepoTarget repo = RepoTarget.filesystem(work);
        Launcher launcher = Launcher.get();
        Path sinks = work.resolve("sinks");
        Files.createDirectories(sinks);
        PgTestCluster.chownToPostgres(sinks);
        PgTestCluster primary = PgTestCluster.start(work, "primary", "password_encryption = 'scram-sha-256'\n"
                + "archive_mode = on\narchive_command = '" + launcher.bin() + " " + repo.archiveArgs("drill")
                + " wal-push %p'\n", Map.of());
        // clients log in with passwords; pgvault itself (postgres) stays trusted on loopback
        Files.writeString(primary.pgdata().resolve("pg_hba.conf"), """
                local all all trust
                host all postgres 127.0.0.1/32 trust
                host all all 127.0.0.1/32 scram-sha-256
                """);
        primary.execute("SELECT pg_reload_conf()");
        int newPort = PgTestCluster.freePort();
        Path restored = work.resolve("restored");
        try {
            String port = Integer.toString(primary.port());
            launcher.ok(Map.of(), args(repo, "--pg-port", port, "init"));
            launcher.ok(Map.of(), args(repo, "--pg-port", port, "relate", "add", "shop", "--database", "shopdb",
                    "--username", "shop_login", "--sink-file", sinks.resolve("shop.json").toString()));
            launcher.ok(Map.of(), args(repo, "--pg-port", port, "relate", "add", "ops", "--admin", "--database",
                    "opsdb", "--sink-file", sinks.resolve("ops.json").toString()));
            JsonNode shopOld = JSON.readTree(Files.readString(sinks.resolve("shop.json")));
            JsonNode opsOld = JSON.readTree(Files.readString(sinks.resolve("ops.json")));
            assertThat(shopOld.get("user").asText()).isEqualTo("shop_login");

            try (Connection shop = login(shopOld); Connection ops = login(opsOld)) {
                exec(shop, "CREATE TABLE orders (id int PRIMARY KEY)", "INSERT INTO orders SELECT generate_series(1, 10)");
                exec(ops, "CREATE TABLE runs (id int PRIMARY KEY)", "INSERT INTO runs SELECT generate_series(1, 10)");
                launcher.ok(Map.of(), args(repo, "--pg-port", port, "--pgdata", primary.pgdata().toString(), "backup"));
                exec(shop, "INSERT INTO orders SELECT generate_series(11, 20)");
                exec(ops, "INSERT INTO runs SELECT generate_series(11, 20)");
                Thread.sleep(200);
                Instant t = Instant.now();
                Thread.sleep(200);
                exec(shop, "INSERT INTO orders SELECT generate_series(21, 30)", "DELETE FROM orders WHERE id <= 5");
                exec(ops, "DROP TABLE runs");
                primary.switchAndAwaitArchived(Duration.ofSeconds(60));

                // disaster: the server dies and its data directory is gone
                primary.stopImmediately();
                PgTestCluster.deleteTree(primary.pgdata());

                String out = launcher.ok(Map.of(), args(repo, "--pgdata", restored.toString(), "restore",
                        "--target-time", t.atOffset(ZoneOffset.UTC).toString(), "--start", "--wait", "--relate",
                        "--port", Integer.toString(newPort), "--archive-mode", "off"));
                assertThat(out).contains("re-related shop").contains("re-related ops");

                JsonNode shopNew = JSON.readTree(Files.readString(sinks.resolve("shop.json")));
                JsonNode opsNew = JSON.readTree(Files.readString(sinks.resolve("ops.json")));
                assertThat(shopNew.get("port").asInt()).isEqualTo(newPort);
                assertThat(shopNew.get("password").asText()).isNotEqualTo(shopOld.get("password").asText());
                assertThat(opsNew.get("password").asText()).isNotEqualTo(opsOld.get("password").asText());
                assertThat(out).doesNotContain(shopNew.get("password").asText())
                        .doesNotContain(opsNew.get("password").asText());

                for (JsonNode old : List.of(shopOld, opsOld)) {
                    assertThatThrownBy(() -> login(old.get("database").asText(), old.get("user").asText(),
                            old.get("password").asText(), newPort).close())
                            .isInstanceOf(SQLException.class)
                            .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("28P01"));
                }
                try (Connection s2 = login(shopNew); Connection o2 = login(opsNew)) {
                    assertThat(one(s2, "SELECT count(*) || ' ' || min(id) || ' ' || max(id) FROM orders"))
                            .isEqualTo("20 1 20");
                    assertThat(one(o2, "SELECT count(*) || ' ' || max(id) FROM runs")).isEqualTo("20 20");
                    exec(s2, "ALTER TABLE orders ADD COLUMN note text", "INSERT INTO orders VALUES (100, 'after')");
                    exec(o2, "ALTER TABLE runs ADD COLUMN note text");
                    assertThat(one(s2, "SELECT session_user")).isEqualTo("shop_login");
                }
            }
        } finally {
            primary.stopImmediately();
            PgTestCluster.existing(restored, newPort, Map.of()).stopImmediately();
            SuiteOutput.keepLogs(work);
            PgTestCluster.deleteTree(work);
        }
    }

    private static String[] args(RepoTarget repo, String... args) {
        List<String> all = new ArrayList<>(repo.args("drill"));
        all.addAll(List.of(args));
        return all.toArray(String[]::new);
    }

    private static Connection login(JsonNode creds) throws SQLException {
        return login(creds.get("database").asText(), creds.get("user").asText(), creds.get("password").asText(),
                creds.get("port").asInt());
    }

    private static Connection login(String db, String user, String password, int port) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + db, p);
    }

    private static void exec(Connection c, String... sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }

    private static String one(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
