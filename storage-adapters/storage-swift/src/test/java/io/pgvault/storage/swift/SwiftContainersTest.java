package io.pgvault.storage.swift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgvault.storage.ContainerProvisioning;
import io.pgvault.storage.ObjectInfo;
import io.pgvault.storage.ObjectWriter;
import io.pgvault.storage.Storage;
import io.pgvault.storage.StorageException;
import io.pgvault.storage.StorageException.Reason;
import io.pgvault.storage.Storages;
import io.pgvault.storage.WriteMode;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Containers (creation, absence, policy), repository prefixes and token renewal, on the real Swift. */
@Tag("integration")
class SwiftContainersTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void serverUp() {
        SwiftTestServer.requireUp();
    }

    /** Token and storage URL of the tempauth test user, logged in directly. */
    private static String[] tempauthLogin() throws Exception {
        HttpResponse<Void> login = HTTP.send(HttpRequest.newBuilder(URI.create(SwiftTestServer.TEMPAUTH_URL))
                .header("X-Auth-User", SwiftTestServer.TEMPAUTH_USER)
                .header("X-Auth-Key", SwiftTestServer.TEMPAUTH_KEY).build(), HttpResponse.BodyHandlers.discarding());
        return new String[] {login.headers().firstValue("X-Auth-Token").orElseThrow(),
                login.headers().firstValue("X-Storage-Url").orElseThrow()};
    }

    private static String policyOf(String container) throws Exception {
        String[] login = tempauthLogin();
        HttpResponse<Void> head = HTTP.send(HttpRequest.newBuilder(URI.create(login[1] + "/" + container))
                .header("X-Auth-Token", login[0]).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.discarding());
        assertThat(head.statusCode()).as("HEAD of container " + container).isBetween(200, 299);
        return head.headers().firstValue("X-Storage-Policy").orElse(null);
    }

    @Test
    void ensureContainerCreatesBothContainersOnceWithThePolicy() throws Exception {
        String container = SwiftTestServer.newContainer("init");
        Map<String, String> settings = SwiftTestServer.tempauth(SwiftTestServer.TEMPAUTH_URL);
        settings.put("swift-storage-policy", "Policy-0");
        try (Storage storage = Storages.open("swift://" + container, settings, Map.of())) {
            assertThat(((ContainerProvisioning) storage).ensureContainer()).isTrue();
            assertThat(((ContainerProvisioning) storage).ensureContainer()).isFalse();
        }
        assertThat(policyOf(container)).isEqualTo("Policy-0");
        assertThat(policyOf(container + "_segments")).isEqualTo("Policy-0");
    }

    @Test
    void anUnknownStoragePolicyNamesTheSetting() {
        Map<String, String> settings = SwiftTestServer.keystone();
        settings.put("swift-storage-policy", "no-such-policy");
        try (Storage storage = Storages.open("swift://" + SwiftTestServer.newContainer("policy"), settings,
                Map.of())) {
            assertThatThrownBy(((ContainerProvisioning) storage)::ensureContainer)
                    .isInstanceOfSatisfying(StorageException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.CONFIGURATION))
                    .hasMessageContaining("swift-storage-policy").hasMessageContaining("no-such-policy");
        }
    }

    @Test
    void aRegionWithoutObjectStoreNamesTheSetting() {
        Map<String, String> settings = SwiftTestServer.keystone();
        settings.put("swift-region", "Atlantis");
        try (Storage storage = Storages.open("swift://" + SwiftTestServer.newContainer("region"), settings,
                Map.of())) {
            assertThatThrownBy(() -> storage.stat("x")).isInstanceOfSatisfying(StorageException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.CONFIGURATION))
                    .hasMessageContaining("no public object-store endpoint in region 'Atlantis'")
                    .hasMessageContaining("swift-region");
        }
    }

    @Test
    void aMissingContainerSaysToRunInit() {
        String container = SwiftTestServer.newContainer("missing");
        try (Storage storage = Storages.open("swift://" + container + "/repo", SwiftTestServer.keystone(),
                Map.of())) {
            List<ThrowingCallable> operations = List.of(
                    () -> {
                        try (ObjectWriter writer = storage.write("x", WriteMode.CREATE_NEW)) {
                            writer.write(1);
                            writer.commit();
                        }
                    },
                    () -> storage.read("x").close(),
                    () -> storage.stat("x"),
                    () -> storage.list("").count());
            for (ThrowingCallable operation : operations) {
                assertThatThrownBy(operation).isInstanceOfSatisfying(StorageException.class,
                                e -> assertThat(e.reason()).isEqualTo(Reason.CONFIGURATION))
                        .hasMessageContaining("container '" + container + "' does not exist")
                        .hasMessageContaining("pgvault init");
            }
            storage.delete(List.of("x")); // nothing to delete is not an error
        }
    }

    @Test
    void keysLiveUnderTheRepositoryPrefix() throws IOException {
        String container = SwiftTestServer.newContainer("prefix");
        Map<String, String> settings = SwiftTestServer.keystone();
        try (Storage repo = SwiftTestServer.openWithContainers(container + "/some/repo", settings);
             Storage whole = Storages.open("swift://" + container, settings, Map.of())) {
            try (ObjectWriter writer = repo.write("dir/a b?c#d%e", WriteMode.CREATE_NEW)) {
                writer.write("content".getBytes(StandardCharsets.UTF_8));
                writer.commit();
            }
            try (Stream<ObjectInfo> all = whole.list(""); Stream<ObjectInfo> mine = repo.list("dir/")) {
                assertThat(all.map(ObjectInfo::key)).containsExactly("some/repo/dir/a b?c#d%e");
                assertThat(mine.map(ObjectInfo::key).collect(Collectors.toList())).containsExactly("dir/a b?c#d%e");
            }
            assertThat(repo.read("dir/a b?c#d%e").readAllBytes()).asString(StandardCharsets.UTF_8)
                    .isEqualTo("content");
        }
    }

    /**
     * Swift forgets a token (as when it expires): tempauth's token lives in memcached, under the MD5 of
     * "TEMPAUTH_/token/<token>". The adapter gets a 401, logs in again once, and carries on.
     */
    @Test
    void anExpiredTokenIsRenewed() throws Exception {
        String container = SwiftTestServer.newContainer("renew");
        try (Storage storage = SwiftTestServer.openWithContainers(container,
                SwiftTestServer.tempauth(SwiftTestServer.TEMPAUTH_URL))) {
            String before = tempauthLogin()[0]; // tempauth hands the adapter's still valid token out again
            forget("TEMPAUTH_/token/" + before);
            forget("TEMPAUTH_/user/" + SwiftTestServer.TEMPAUTH_USER);
            assertThat(storage.stat("anything")).isEmpty();
            assertThat(tempauthLogin()[0]).isNotEqualTo(before);
        }
    }

    private static void forget(String memcacheKey) throws Exception {
        String address = System.getenv().getOrDefault("PGVAULT_IT_SWIFT_MEMCACHED", "127.0.0.1:11211");
        String hashed = HexFormat.of().formatHex(MessageDigest.getInstance("MD5")
                .digest(memcacheKey.getBytes(StandardCharsets.UTF_8)));
        try (Socket socket = new Socket(address.split(":")[0], Integer.parseInt(address.split(":")[1]))) {
            OutputStream out = socket.getOutputStream();
            out.write(("delete " + hashed + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] answer = new byte[64];
            int n = socket.getInputStream().read(answer);
            assertThat(new String(answer, 0, Math.max(n, 0), StandardCharsets.US_ASCII)).startsWith("DELETED");
        }
    }
}
