package io.pgvault.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgvault.core.pg.PgCtl;
import io.pgvault.core.testing.PgTestCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Client relations end to end: the launcher run as postgres against a real primary whose pg_hba.conf asks every
 * login but postgres for a SCRAM password, so that a password that should not work really does not. Clients log in
 * with what their sink files hold, exactly as an application would.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RelationsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CANARY = "CREATE TABLE t (x int); INSERT INTO t VALUES (42)";

    private Path work;
    private Path sinks;
    private RepoTarget repo;
    private Launcher launcher;
    private PgTestCluster primary;

    @BeforeAll
    void prepare() throws Exception {
        work = PgTestCluster.workDirectory("pgvault-relations-");
        repo = RepoTarget.filesystem(work);
        launcher = Launcher.get();
        primary = PgTestCluster.start(work, "primary", "password_encryption = 'scram-sha-256'\n", Map.of());
        Files.writeString(primary.pgdata().resolve("pg_hba.conf"), """
                local all all trust
                host all postgres 127.0.0.1/32 trust
                host replication postgres 127.0.0.1/32 trust
                host all all 127.0.0.1/32 scram-sha-256
                """);
        primary.execute("SELECT pg_reload_conf()", CANARY);
        sinks = work.resolve("sinks");
        Files.createDirectories(sinks);
        PgTestCluster.chownToPostgres(sinks);
        ok("init");
    }

    @AfterAll
    void cleanUp() throws IOException {
        if (primary != null) {
            primary.stopImmediately();
        }
        SuiteOutput.keepLogs(work);
        PgTestCluster.deleteTree(work);
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    private PgCtl.Result runOn(int port, Map<String, String> env, String... args) {
        List<String> all = new ArrayList<>(repo.args("main"));
        all.addAll(List.of("--pg-port", Integer.toString(port)));
        all.addAll(List.of(args));
        return launcher.run(env, all.toArray(String[]::new));
    }

    private PgCtl.Result run(String... args) {
        return runOn(primary.port(), Map.of(), args);
    }

    private String ok(String... args) {
        PgCtl.Result r = run(args);
        assertThat(r.exitCode()).as(String.join(" ", args) + "\n" + r.output()).isZero();
        return r.output();
    }

    private static void assertOneLine(PgCtl.Result r, int exit, String fragment) {
        assertThat(r.exitCode()).as(r.output()).isEqualTo(exit);
        assertThat(r.output().strip()).contains(fragment).doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(r.output().strip().lines().count()).as(r.output()).isEqualTo(1);
    }

    private Path sink(String name) {
        return sinks.resolve(name);
    }

    private static JsonNode json(Path file) throws IOException {
        return JSON.readTree(Files.readString(file));
    }

    private static Map<String, String> envFile(Path file) throws IOException {
        Map<String, String> vars = new HashMap<>();
        for (String line : Files.readAllLines(file)) {
            int eq = line.indexOf('=');
            if (!line.startsWith("#") && eq > 0) {
                String v = line.substring(eq + 1);
                vars.put(line.substring(0, eq), v.startsWith("'") ? v.substring(1, v.length() - 1) : v);
            }
        }
        return vars;
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private static Connection login(int port, String db, String user, String password) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + db, props);
    }

    private Connection login(JsonNode creds) throws SQLException {
        return login(creds.get("port").asInt(), creds.get("database").asText(), creds.get("user").asText(),
                creds.get("password").asText());
    }

    private static String one(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void exec(Connection c, String... sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }

    private String asPostgres(String db, String sql) throws SQLException {
        try (Connection c = login(primary.port(), db, "postgres", "")) {
            return one(c, sql);
        }
    }

    private static void assertLoginFails(int port, String db, String user, String password) {
        assertThatThrownBy(() -> login(port, db, user, password).close()).isInstanceOf(SQLException.class)
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("28P01"));
    }

    private void assertCanaryIntact() throws SQLException {
        assertThat(asPostgres("postgres", "SELECT string_agg(x::text, ',') FROM t")).isEqualTo("42");
    }

    // ---- tests ---------------------------------------------------------------------------------------------------

    @Test
    void relatedClientsLogInWithTheirSinkAndWorkAsTheOwnerRole() throws Exception {
        String out = ok("relate", "add", "billing", "--database", "shop", "--roles", "reporting,audit",
                "--extensions", "citext", "--sink-file", sink("billing.json").toString());
        ok("relate", "add", "dba-tool", "--username", "dba_custom", "--admin", "--database", "analytics",
                "--sink-file", sink("dba.env").toString(), "--sink-format", "env");

        JsonNode billing = json(sink("billing.json"));
        assertThat(mode(sink("billing.json"))).isEqualTo("rw-------");
        assertThat(out).contains("related billing").doesNotContain(billing.get("password").asText());
        assertThat(billing.get("user").asText()).isEqualTo("billing");
        assertThat(billing.get("database").asText()).isEqualTo("shop");
        assertThat(billing.get("host").asText()).isEqualTo("127.0.0.1");
        assertThat(billing.get("port").asInt()).isEqualTo(primary.port());
        assertThat(billing.get("version").asText()).startsWith("15.");
        assertThat(billing.get("password").asText()).matches("[A-Za-z0-9]{32}");
        assertThat(billing.get("uri").asText()).isEqualTo("postgresql://billing:" + billing.get("password").asText()
                + "@127.0.0.1:" + primary.port() + "/shop");
        assertThat(billing.get("standbys").isArray()).isTrue();
        assertThat(billing.get("schema_password").asText()).isEqualTo(billing.get("password").asText());
        try (Connection c = login(billing)) {
            assertThat(one(c, "SELECT session_user || ' ' || current_user")).isEqualTo("billing pgvault_shop_owner");
            exec(c, "CREATE TABLE customers (email citext PRIMARY KEY)", "INSERT INTO customers VALUES ('A@x.org')");
            assertThat(one(c, "SELECT count(*) FROM customers WHERE email = 'a@X.ORG'")).isEqualTo("1");
            assertThat(one(c, "SELECT tableowner FROM pg_tables WHERE tablename = 'customers'"))
                    .isEqualTo("pgvault_shop_owner");
            assertThat(one(c, "SELECT pg_has_role('billing', 'reporting', 'MEMBER') "
                    + "AND pg_has_role('billing', 'audit', 'MEMBER')")).isEqualTo("t");
            assertThat(one(c, "SELECT current_setting('is_superuser')")).isEqualTo("off");
        }

        Map<String, String> dba = envFile(sink("dba.env"));
        assertThat(mode(sink("dba.env"))).isEqualTo("rw-------");
        assertThat(dba).containsEntry("PGUSER", "dba_custom").containsEntry("PGDATABASE", "analytics")
                .containsEntry("PGPORT", Integer.toString(primary.port())).containsKey("DATABASE_URL");
        try (Connection c = login(primary.port(), "analytics", "dba_custom", dba.get("PGPASSWORD"))) {
            assertThat(one(c, "SELECT session_user || ' ' || current_user")).isEqualTo("dba_custom dba_custom");
            assertThat(one(c, "SELECT current_setting('is_superuser')")).isEqualTo("on");
            exec(c, "CREATE TABLE metrics (x int)");
        }
        try (Connection c = login(primary.port(), "shop", "dba_custom", dba.get("PGPASSWORD"))) {
            assertThat(one(c, "SELECT count(*) FROM customers")).isEqualTo("1");
        }

        String list = ok("relate", "list");
        assertThat(list).contains("billing", "dba-tool", "dba_custom", "analytics", "citext");
        JsonNode listed = JSON.readTree(ok("--json", "relate", "list"));
        assertThat(listed.findValuesAsText("app")).contains("billing", "dba-tool");
        assertThat(listed.toString()).doesNotContain(billing.get("password").asText());
    }

    @Test
    void rotateIssuesANewPasswordAndTheOldOneStopsWorking() throws Exception {
        ok("relate", "add", "rotor", "--database", "shop", "--sink-file", sink("rotor.json").toString());
        String old = json(sink("rotor.json")).get("password").asText();
        login(json(sink("rotor.json"))).close();

        String out = ok("relate", "rotate", "rotor");
        JsonNode fresh = json(sink("rotor.json"));
        assertThat(fresh.get("password").asText()).isNotEqualTo(old);
        assertThat(out).contains("password rotated").doesNotContain(fresh.get("password").asText());
        assertLoginFails(primary.port(), "shop", "rotor", old);
        try (Connection c = login(fresh)) {
            assertThat(one(c, "SELECT current_user")).isEqualTo("pgvault_shop_owner");
        }
        assertThat(ok("relate", "credentials", "rotor", "--format", "env"))
                .contains("PGPASSWORD=" + fresh.get("password").asText());
        assertThat(ok("relate", "credentials", "rotor", "--format", "uri").strip())
                .isEqualTo(fresh.get("uri").asText());
        assertThat(ok("relate", "credentials", "rotor", "--format", "pgpass").strip()).isEqualTo("127.0.0.1:"
                + primary.port() + ":shop:rotor:" + fresh.get("password").asText());
    }

    @Test
    void removeDropsTheLoginAndHandsItsObjectsToTheOwnerRole() throws Exception {
        ok("relate", "add", "temp-app", "--database", "shop", "--sink-file", sink("temp.json").toString());
        JsonNode creds = json(sink("temp.json"));
        assertThat(creds.get("user").asText()).isEqualTo("temp_app");
        try (Connection c = login(creds)) {
            exec(c, "SET ROLE NONE", "CREATE TABLE temp_owned (x int)", "INSERT INTO temp_owned VALUES (7)");
            assertThat(one(c, "SELECT tableowner FROM pg_tables WHERE tablename = 'temp_owned'"))
                    .isEqualTo("temp_app");
        }

        String out = ok("relate", "remove", "temp-app");
        assertThat(out).contains("dropped login temp_app",
                "handed 1 object(s) of temp_app in shop to pgvault_shop_owner");
        assertThat(asPostgres("postgres", "SELECT count(*) FROM pg_roles WHERE rolname = 'temp_app'")).isEqualTo("0");
        assertThat(asPostgres("shop", "SELECT tableowner || ' ' || (SELECT sum(x) FROM temp_owned) "
                + "FROM pg_tables WHERE tablename = 'temp_owned'")).isEqualTo("pgvault_shop_owner 7");
        assertThat(sink("temp.json")).doesNotExist();
        assertThat(ok("relate", "list")).doesNotContain("temp-app");
        assertLoginFails(primary.port(), "shop", "temp_app", creds.get("password").asText());
        assertOneLine(run("relate", "remove", "temp-app"), 5, "no relation 'temp-app'");
    }

    @Test
    void hostileNamesAreRefusedAndChangeNothing() throws Exception {
        String roles = asPostgres("postgres", "SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles");
        String dbs = asPostgres("postgres", "SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database");
        String evil = sink("evil.json").toString();
        List<List<String>> attempts = List.of(
                List.of("relate", "add", "evil", "--database", "x\"; DROP TABLE t; --", "--sink-file", evil),
                List.of("relate", "add", "evil", "--database", "postgres", "--roles", "r'; --", "--sink-file", evil),
                List.of("relate", "add", "evil", "--database", "postgres", "--roles", "ok,\"; DROP TABLE t; --",
                        "--sink-file", evil),
                List.of("relate", "add", "evil", "--database", "postgres", "--extensions",
                        "citext\"; DROP TABLE t; --", "--sink-file", evil),
                List.of("relate", "add", "evil", "--database", "postgres", "--username", "u'; DROP TABLE t; --",
                        "--sink-file", evil),
                List.of("relate", "add", "../evil", "--database", "postgres", "--sink-file", evil),
                List.of("relate", "rotate", "x'; DROP TABLE t; --"),
                List.of("set-password", "--user", "op\"; DROP TABLE t; --", "--pgpass-file", evil));
        for (List<String> a : attempts) {
            assertOneLine(run(a.toArray(String[]::new)), 2, "invalid");
        }
        assertOneLine(run("relate", "add", "evil", "--username", "postgres", "--sink-file", evil), 4,
                "role postgres exists and is not managed by pgvault");
        assertOneLine(run("relate", "add", "evil", "--roles", "postgres", "--sink-file", evil), 4,
                "role postgres is a superuser");
        assertOneLine(run("relate", "add", "evil", "--extensions", "no_such_ext", "--sink-file", evil), 5,
                "extension no_such_ext is not available");

        assertCanaryIntact();
        assertThat(asPostgres("postgres", "SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles"))
                .isEqualTo(roles);
        assertThat(asPostgres("postgres", "SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database"))
                .isEqualTo(dbs);
        assertThat(Path.of(repo.url().substring("file://".length()), "main", "relations", "evil.json")).doesNotExist();
        assertThat(sink("evil.json")).doesNotExist();

        // names that are unusual but allowed are quoted, not mangled
        ok("relate", "add", "odd.app", "--database", "We-ird.db$1", "--roles", "Ro-le.x", "--username", "Odd-User",
                "--sink-file", sink("odd.json").toString());
        try (Connection c = login(json(sink("odd.json")))) {
            assertThat(one(c, "SELECT current_database() || ' ' || session_user || ' ' || current_user"))
                    .isEqualTo("We-ird.db$1 Odd-User pgvault_We-ird.db$1_owner");
            assertThat(one(c, "SELECT pg_has_role('Odd-User', 'Ro-le.x', 'MEMBER')")).isEqualTo("t");
        }
        assertCanaryIntact();
    }

    @Test
    void standbyIsRefusedAndPublishedToClientsWhileItStreams() throws Exception {
        Path dir = work.resolve("standby");
        int port = PgTestCluster.freePort();
        PgCtl.Result bb = primary.pgCtl().run(List.of(primary.pgCtl().binDir().resolve("pg_basebackup").toString(),
                "-D", dir.toString(), "-h", "127.0.0.1", "-p", Integer.toString(primary.port()), "-U", "postgres",
                "-R", "-X", "stream", "-c", "fast"), Map.of(), Duration.ofMinutes(3));
        assertThat(bb.exitCode()).as(bb.output()).isZero();
        Files.writeString(dir.resolve("postgresql.conf"), "\nport = " + port + "\nhot_standby = on\n",
                StandardOpenOption.APPEND);
        PgTestCluster standby = PgTestCluster.existing(dir, port, Map.of());
        standby.startServer();
        try {
            awaitStreaming();
            assertThat(standby.queryString("SELECT pg_is_in_recovery()")).isEqualTo("t");
            // a listed standby is published with its port while it streams; an unknown one is left out
            String out = ok("relate", "add", "reader", "--database", "shop", "--sink-file",
                    sink("reader.json").toString(), "--standby", "127.0.0.1:" + port + ",192.0.2.1:5432");
            assertThat(out).contains("related reader");
            JsonNode creds = json(sink("reader.json"));
            assertThat(creds.get("standbys")).hasSize(1);
            JsonNode s = creds.get("standbys").get(0);
            assertThat(s.get("host").asText() + ":" + s.get("port").asInt()).isEqualTo("127.0.0.1:" + port);
            assertThat(s.get("uri").asText()).isEqualTo("postgresql://reader:" + creds.get("password").asText()
                    + "@127.0.0.1:" + port + "/shop");
            try (Connection c = awaitLogin(port, "shop", "reader", creds.get("password").asText())) {
                assertThat(one(c, "SELECT pg_is_in_recovery()")).isEqualTo("t");
            }
            for (String[] args : List.of(
                    new String[] {"relate", "add", "on-standby", "--database", "shop", "--sink-file",
                        sink("on-standby.json").toString()},
                    new String[] {"relate", "sync"},
                    new String[] {"relate", "rotate", "reader"},
                    new String[] {"relate", "remove", "reader"},
                    new String[] {"relate", "credentials", "reader"},
                    new String[] {"set-password", "--user", "operator2", "--pgpass-file",
                        sink("on-standby.pgpass").toString()})) {
                assertOneLine(runOn(port, Map.of(), args), 4, "is a standby (in recovery)");
            }
            assertThat(sink("on-standby.json")).doesNotExist();
            assertThat(sink("on-standby.pgpass")).doesNotExist();
            assertThat(json(sink("reader.json")).get("password").asText()).isEqualTo(creds.get("password").asText());
            assertThat(ok("relate", "list")).contains("reader").doesNotContain("on-standby");
            // without a list: each streaming standby at its address and the primary's port
            JsonNode discovered = JSON.readTree(ok("relate", "credentials", "reader"));
            assertThat(discovered.get("standbys")).hasSize(1);
            assertThat(discovered.get("standbys").get(0).get("port").asInt()).isEqualTo(primary.port());
            assertThat(ok("relate", "sync", "--keep-passwords", "--standby", "192.0.2.1:5432"))
                    .contains("note: standby 192.0.2.1:5432 does not stream from the primary");
        } finally {
            standby.stopImmediately();
        }
    }

    private void awaitStreaming() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!"1".equals(primary.queryString("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the standby did not start streaming");
            }
            Thread.sleep(100);
        }
    }

    /** Logs in to a standby once the login's creation has been replayed there. */
    private static Connection awaitLogin(int port, String db, String user, String password) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                return login(port, db, user, password);
            } catch (SQLException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }

    @Test
    void setPasswordCreatesTheOperatorAndStoresItInAPrivatePgpassFile() throws Exception {
        Path home = work.resolve("operator-home");
        Files.createDirectories(home);
        PgTestCluster.chownToPostgres(home);
        Path pgpass = home.resolve(".pgpass");
        Files.writeString(pgpass, "other.example:5432:*:bob:keepme\n");
        PgTestCluster.chownToPostgres(pgpass);
        String line = "127.0.0.1:" + primary.port() + ":*:operator:";

        String out = ok("set-password", "--user", "operator", "--pgpass-file", pgpass.toString());
        List<String> lines = Files.readAllLines(pgpass);
        String first = lines.stream().filter(l -> l.startsWith(line)).findFirst().orElseThrow()
                .substring(line.length());
        assertThat(first).matches("[A-Za-z0-9]{32}");
        assertThat(out).contains("login created").doesNotContain(first);
        assertThat(lines).contains("other.example:5432:*:bob:keepme").hasSize(2);
        assertThat(mode(pgpass)).isEqualTo("rw-------");
        try (Connection c = login(primary.port(), "postgres", "operator", first)) {
            assertThat(one(c, "SELECT rolsuper AND rolreplication FROM pg_roles WHERE rolname = current_user"))
                    .isEqualTo("t");
        }

        String shown = ok("set-password", "--user", "operator", "--pgpass-file", pgpass.toString(), "--show");
        String second = Files.readAllLines(pgpass).stream().filter(l -> l.startsWith(line)).findFirst().orElseThrow()
                .substring(line.length());
        assertThat(second).isNotEqualTo(first);
        assertThat(shown).contains(second);
        assertThat(Files.readAllLines(pgpass)).hasSize(2);
        assertLoginFails(primary.port(), "postgres", "operator", first);

        // the password can come from the environment (not the process list) ...
        PgCtl.Result fromEnv = runOn(primary.port(), Map.of("PGVAULT_PASSWORD", "from-the-env"), "set-password",
                "--user", "operator", "--pgpass-file", pgpass.toString());
        assertThat(fromEnv.exitCode()).as(fromEnv.output()).isZero();
        assertThat(fromEnv.output()).doesNotContain("from-the-env");
        login(primary.port(), "postgres", "operator", "from-the-env").close();
        // ... and pgvault itself then connects as the operator through the pgpass file
        PgCtl.Result asOperator = runOn(primary.port(), Map.of("PGPASSFILE", pgpass.toString()), "--pg-user",
                "operator", "init");
        assertThat(asOperator.exitCode()).as(asOperator.output()).isZero();
        PgCtl.Result noPassword = runOn(primary.port(), Map.of("PGPASSFILE", home.resolve("none").toString()),
                "--pg-user", "operator", "init");
        assertThat(noPassword.exitCode()).isEqualTo(7);

        assertOneLine(run("set-password", "--user", "billing-less", "--pgpass-file", pgpass.toString(),
                "--password", "a\nb"), 2, "one line");
    }

    @Test
    void syncConvergesRecreatesDroppedLoginsAndRetiresStaleOnes() throws Exception {
        Path marker = work.resolve("hook-may-run");
        Path hookEnv = work.resolve("hook.env");
        Files.writeString(marker, "");
        ok("relate", "add", "syncer", "--database", "shop", "--roles", "reporting", "--sink-file",
                sink("syncer.json").toString());
        ok("relate", "add", "hooked", "--database", "analytics", "--sink-file", sink("hooked.json").toString(),
                "--hook", "test -e " + marker + " && env > " + hookEnv);
        assertThat(Files.readString(hookEnv)).contains("PGVAULT_EVENT=added", "PGUSER=hooked",
                "PGPASSWORD=" + json(sink("hooked.json")).get("password").asText());

        ok("relate", "sync", "--keep-passwords");
        String syncerBefore = Files.readString(sink("syncer.json"));
        JsonNode second = JSON.readTree(ok("--json", "relate", "sync", "--keep-passwords"));
        for (JsonNode c : second.get("clients")) {
            assertThat(c.get("changes")).as(c.toString()).isEmpty();
            assertThat(c.get("published")).as(c.toString()).isEmpty();
        }
        assertThat(Files.readString(sink("syncer.json"))).isEqualTo(syncerBefore);

        // the default sync rotates every password and tells every client
        String old = json(sink("syncer.json")).get("password").asText();
        assertThat(ok("relate", "sync")).contains("syncer (login syncer): password rotated");
        assertLoginFails(primary.port(), "shop", "syncer", old);
        try (Connection c = login(json(sink("syncer.json")))) {
            exec(c, "CREATE TABLE sync_t (x int)", "INSERT INTO sync_t VALUES (1)");
        }

        // a dropped login comes back, and its objects (owned by the owner role) are still its own
        primary.execute("DROP ROLE syncer");
        String out = ok("relate", "sync", "--keep-passwords");
        assertThat(out).contains("syncer (login syncer): created login syncer", "granted role reporting");
        try (Connection c = login(json(sink("syncer.json")))) {
            assertThat(one(c, "SELECT session_user || ' ' || current_user || ' ' || (SELECT sum(x) FROM sync_t)"))
                    .isEqualTo("syncer pgvault_shop_owner 1");
        }

        // a login of a relation no longer registered is retired, its objects handed to the owner role
        primary.execute("CREATE ROLE ghost LOGIN", "COMMENT ON ROLE ghost IS 'pgvault relation main/ghost'",
                "GRANT pgvault_shop_owner TO ghost");
        try (Connection c = login(primary.port(), "shop", "postgres", "")) {
            exec(c, "CREATE TABLE ghost_t (x int)", "ALTER TABLE ghost_t OWNER TO ghost");
        }
        assertThat(ok("relate", "sync", "--keep-passwords")).contains("ghost (login ghost): no longer related",
                "handed 1 object(s) of ghost in shop to pgvault_shop_owner", "dropped login ghost");
        assertThat(asPostgres("shop", "SELECT tableowner FROM pg_tables WHERE tablename = 'ghost_t'"))
                .isEqualTo("pgvault_shop_owner");

        // a sync that fails half-way (the hook fails after the password was rotated) converges when run again
        Files.delete(marker);
        String hookedOld = json(sink("hooked.json")).get("password").asText();
        PgCtl.Result failed = run("relate", "sync");
        assertThat(failed.exitCode()).as(failed.output()).isEqualTo(13);
        assertThat(failed.output()).contains("hooked: the hook of relation 'hooked' exited 1")
                .doesNotContain(hookedOld);
        assertThat(json(sink("hooked.json")).get("password").asText()).isEqualTo(hookedOld);
        assertLoginFails(primary.port(), "analytics", "hooked", hookedOld);
        Files.writeString(marker, "");
        PgCtl.Result env = runOn(primary.port(), Map.of("PGPASSWORD", "operator-secret"), "relate", "sync",
                "--keep-passwords");
        assertThat(env.exitCode()).as(env.output()).isZero();
        assertThat(env.output()).contains("hooked (login hooked): password rotated (the one in the sink no longer "
                + "matched)");
        JsonNode hooked = json(sink("hooked.json"));
        login(hooked).close();
        assertThat(Files.readString(hookEnv)).contains("PGVAULT_EVENT=sync", "PGPASSWORD=" + hooked.get("password")
                .asText()).doesNotContain("operator-secret");
        JsonNode last = JSON.readTree(ok("--json", "relate", "sync", "--keep-passwords"));
        for (JsonNode c : last.get("clients")) {
            assertThat(c.get("changes")).as(c.toString()).isEmpty();
        }
        assertCanaryIntact();
    }
}
