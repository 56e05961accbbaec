package io.pgvault.core.relation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.repo.RepositoryLayout;
import io.pgvault.storage.InMemoryStorage;
import io.pgvault.storage.ObjectWriter;
import io.pgvault.storage.WriteMode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RelationTest {

    private final InMemoryStorage storage = new InMemoryStorage();
    private final RelationStore store = new RelationStore(storage, new RepositoryLayout("main"));
    private static final Sink SINK = new Sink("/etc/billing/db.json", CredentialsFormat.JSON, "systemctl reload x");

    private static Relation billing() {
        return Relation.request(AppName.of("billing"), "shop", null, List.of("reporting", "audit", "reporting"),
                List.of("citext"), false, SINK, Instant.parse("2026-11-20T10:00:00Z"));
    }

    @Test
    void defaultsFollowTheClientName() {
        Relation r = Relation.request(AppName.of("Web-Shop.v2"), null, null, List.of(), List.of(), false, SINK,
                Instant.now());
        assertThat(r.database()).isEqualTo("Web-Shop.v2");
        assertThat(r.login()).isEqualTo("web_shop_v2");
        assertThat(r.customLogin()).isFalse();
        assertThat(r.ownerRole()).isEqualTo("pgvault_Web-Shop.v2_owner");
        assertThat(Relation.request(AppName.of("pg_tool"), null, null, List.of(), List.of(), false, SINK,
                Instant.now()).login()).isEqualTo("app_pg_tool");
    }

    @Test
    void customUsernameAndDuplicatesRemoved() {
        Relation r = Relation.request(AppName.of("billing"), "shop", "bill_svc", List.of("a", "b", "a"),
                List.of("citext", "citext"), true, SINK, Instant.now());
        assertThat(r.login()).isEqualTo("bill_svc");
        assertThat(r.customLogin()).isTrue();
        assertThat(r.roles()).containsExactly("a", "b");
        assertThat(r.extensions()).containsExactly("citext");
    }

    @Test
    void longDatabaseNamesGiveOwnerRolesThatFit() {
        String db = "d".repeat(63);
        String owner = Relation.ownerRoleOf(db);
        assertThat(owner).hasSizeLessThanOrEqualTo(63).startsWith("pgvault_").endsWith("_owner");
        assertThat(Relation.ownerRoleOf("d".repeat(62) + "e")).isNotEqualTo(owner);
    }

    @Test
    void hostileNamesAreRefused() {
        assertThatThrownBy(() -> Relation.request(AppName.of("x"), "x\"; DROP TABLE t; --", null, List.of(),
                List.of(), false, SINK, Instant.now())).hasMessageStartingWith("invalid database name");
        assertThatThrownBy(() -> Relation.request(AppName.of("x"), "db", null, List.of("r'; --"), List.of(), false,
                SINK, Instant.now())).hasMessageStartingWith("invalid role name");
        assertThatThrownBy(() -> Relation.request(AppName.of("x"), "db", null, List.of(), List.of("citext;"), false,
                SINK, Instant.now())).hasMessageStartingWith("invalid extension name");
        assertThatThrownBy(() -> Relation.request(AppName.of("x"), "db", "pg_signal_backend", List.of(), List.of(),
                false, SINK, Instant.now())).hasMessageContaining("reserved");
        assertThatThrownBy(() -> Relation.request(AppName.of("x"), "db", "pgvault_db_owner", List.of(), List.of(),
                false, SINK, Instant.now())).hasMessageContaining("owner roles");
    }

    @Test
    void sinksNeedAbsoluteFilesAndAFileFormat() {
        assertThatThrownBy(() -> new Sink("relative.json", CredentialsFormat.JSON, null))
                .hasMessageContaining("absolute");
        assertThatThrownBy(() -> new Sink("/x.txt", CredentialsFormat.URI, null)).hasMessageContaining("not uri");
        assertThat(new Sink("/x", CredentialsFormat.ENV, "  ").hook()).isNull();
    }

    @Test
    void roundTripThroughTheRepository() {
        Relation r = billing();
        store.save(r);
        assertThat(storage.stat("main/relations/billing.json")).isPresent();
        assertThat(store.find(AppName.of("billing"))).contains(r);
        assertThat(store.require(AppName.of("billing"))).isEqualTo(r);

        Relation admin = Relation.request(AppName.of("dba.tool"), "ops", "dba", List.of(), List.of(), true,
                new Sink("/tmp/dba.env", CredentialsFormat.ENV, null), Instant.parse("2026-11-20T11:00:00Z"));
        store.save(admin);
        assertThat(store.list()).containsExactly(r, admin);

        store.delete(AppName.of("billing"));
        store.delete(AppName.of("billing"));
        assertThat(store.list()).containsExactly(admin);
    }

    @Test
    void storedFormIsReadableJson() throws Exception {
        store.save(billing());
        String json = new String(storage.read("main/relations/billing.json").readAllBytes(), StandardCharsets.UTF_8);
        assertThat(json).contains("\"app\" : \"billing\"", "\"database\" : \"shop\"", "\"format\" : \"json\"",
                "\"roles\" : [ \"reporting\", \"audit\" ]").doesNotContain("password");
    }

    @Test
    void missingRelationIsNotFound() {
        assertThat(store.find(AppName.of("nope"))).isEmpty();
        assertThatThrownBy(() -> store.require(AppName.of("nope"))).isInstanceOf(PgVaultException.class)
                .hasMessageContaining("no relation 'nope'")
                .satisfies(e -> assertThat(((PgVaultException) e).code()).isEqualTo(ErrorCode.NOT_FOUND));
    }

    @Test
    void tamperedRelationIsDamagedNotExecuted() {
        put("main/relations/evil.json", "{\"format\":1,\"app\":\"evil\",\"database\":\"x\\\"; DROP TABLE t; --\","
                + "\"login\":\"evil\",\"roles\":[],\"extensions\":[],\"sink\":{\"file\":\"/x\",\"format\":\"json\"}}");
        assertThatThrownBy(() -> store.find(AppName.of("evil"))).isInstanceOf(PgVaultException.class)
                .satisfies(e -> assertThat(((PgVaultException) e).code()).isEqualTo(ErrorCode.DAMAGED));
    }

    @Test
    void foreignObjectsUnderRelationsAreIgnored() {
        store.save(billing());
        put("main/relations/_notes.txt", "hello");
        put("main/relations/..x.json", "{}");
        assertThat(store.list()).extracting(Relation::app).containsExactly("billing");
    }

    private void put(String key, String content) {
        try (ObjectWriter w = storage.write(key, WriteMode.OVERWRITE)) {
            w.write(content.getBytes(StandardCharsets.UTF_8));
            w.commit();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
