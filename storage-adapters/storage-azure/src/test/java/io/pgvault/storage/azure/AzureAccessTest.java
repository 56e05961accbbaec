package io.pgvault.storage.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.models.AccessTier;
import com.azure.storage.common.sas.AccountSasPermission;
import com.azure.storage.common.sas.AccountSasResourceType;
import com.azure.storage.common.sas.AccountSasService;
import com.azure.storage.common.sas.AccountSasSignatureValues;
import io.pgvault.storage.ContainerProvisioning;
import io.pgvault.storage.ObjectInfo;
import io.pgvault.storage.ObjectWriter;
import io.pgvault.storage.Storage;
import io.pgvault.storage.StorageException;
import io.pgvault.storage.StorageException.Reason;
import io.pgvault.storage.Storages;
import io.pgvault.storage.WriteMode;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Credentials and final errors against Azurite: every way of signing in works, refused credentials and a missing
 * container fail at once with a reason and a way out, and no secret ever shows in what is thrown.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AzureAccessTest {

    /** A well-formed key that is not the account's. */
    private static final String WRONG_KEY = Base64.getEncoder().encodeToString(new byte[64]);

    private final String container = Azurite.newContainer("access");
    private final List<String> createdContainers = new java.util.ArrayList<>(List.of(container));
    private BlobServiceClient admin;
    private String endpoint;

    @BeforeAll
    void start() {
        Azurite.requireRunning();
        admin = Azurite.admin();
        admin.getBlobContainerClient(container).create();
        endpoint = Azurite.endpoint().toString();
    }

    @AfterAll
    void removeContainers() {
        createdContainers.forEach(Azurite::deleteContainer);
    }

    private Storage open(Map<String, String> settings, Map<String, String> environment) {
        return Storages.open("azure://" + container + "/access", settings, environment);
    }

    private static void roundTrip(Storage storage) throws IOException {
        String key = "trip/" + UUID.randomUUID();
        byte[] data = "round trip".getBytes(StandardCharsets.UTF_8);
        try (ObjectWriter writer = storage.write(key, WriteMode.CREATE_NEW)) {
            writer.write(data);
            writer.commit();
        }
        try (InputStream in = storage.read(key)) {
            assertThat(in.readAllBytes()).isEqualTo(data);
        }
        try (Stream<ObjectInfo> listed = storage.list("trip/")) {
            assertThat(listed.map(ObjectInfo::key)).contains(key);
        }
        storage.delete(List.of(key));
        assertThat(storage.stat(key)).isEmpty();
    }

    private String accountSas(String permissions) {
        return admin.generateAccountSas(new AccountSasSignatureValues(OffsetDateTime.now().plusHours(1),
                AccountSasPermission.parse(permissions), AccountSasService.parse("b"),
                AccountSasResourceType.parse("sco")));
    }

    /** Everything a failure would print: its message, its causes' messages and its stack trace. */
    private static String everythingPrinted(Throwable failure) {
        StringWriter out = new StringWriter();
        failure.printStackTrace(new PrintWriter(out));
        return out.toString();
    }

    private static StorageException failureOf(ThrowingCallable call) {
        Throwable[] caught = new Throwable[1];
        assertThatThrownBy(() -> {
            try {
                call.call();
            } catch (Throwable t) {
                caught[0] = t;
                throw t;
            }
        }).isInstanceOf(StorageException.class);
        return (StorageException) caught[0];
    }

    // ---- credential paths ----------------------------------------------------------------------------------

    @Test
    void accountAndKeyFromSettings() throws IOException {
        try (Storage storage = open(Azurite.settings(), Map.of())) {
            roundTrip(storage);
        }
    }

    @Test
    void accountAndKeyFromTheEnvironment() throws IOException {
        Map<String, String> env = Map.of("AZURE_STORAGE_ACCOUNT", Azurite.ACCOUNT, "AZURE_STORAGE_KEY", Azurite.KEY);
        try (Storage storage = open(Map.of(AzureSettings.ENDPOINT, endpoint), env)) {
            roundTrip(storage);
        }
    }

    @Test
    void connectionStringFromSettingsAndFromTheEnvironment() throws IOException {
        String connection = "DefaultEndpointsProtocol=http;AccountName=" + Azurite.ACCOUNT + ";AccountKey="
                + Azurite.KEY + ";BlobEndpoint=" + endpoint + ";";
        try (Storage storage = open(Map.of(AzureSettings.CONNECTION_STRING, connection), Map.of())) {
            roundTrip(storage);
        }
        try (Storage storage = open(Map.of(), Map.of("AZURE_STORAGE_CONNECTION_STRING", connection))) {
            roundTrip(storage);
        }
    }

    @Test
    void sasTokenFromSettingsAndFromTheEnvironment() throws IOException {
        String sas = accountSas("rwdlac");
        try (Storage storage = open(Map.of(AzureSettings.SAS_TOKEN, sas, AzureSettings.ENDPOINT, endpoint), Map.of())) {
            roundTrip(storage);
        }
        try (Storage storage = open(Map.of(AzureSettings.ENDPOINT, endpoint),
                Map.of("AZURE_STORAGE_SAS_TOKEN", "?" + sas))) {
            roundTrip(storage);
        }
    }

    @Test
    void newBlobsGetTheConfiguredAccessTier() throws IOException {
        Map<String, String> settings = new HashMap<>(Azurite.settings());
        settings.put(AzureSettings.ACCESS_TIER, "cool");
        try (Storage storage = open(settings, Map.of())) {
            for (int size : new int[] {10, 3 * 1024 * 1024}) { // one request, and staged blocks
                String key = "tiered/" + size;
                try (ObjectWriter writer = storage.write(key, WriteMode.OVERWRITE)) {
                    writer.write(new byte[size]);
                    writer.commit();
                }
                assertThat(admin.getBlobContainerClient(container).getBlobClient("access/" + key).getProperties()
                        .getAccessTier()).isEqualTo(AccessTier.COOL);
            }
        }
    }

    // ---- final errors ------------------------------------------------------------------------------------------

    @Test
    void aWrongKeyIsAccessDeniedAtOnceAndNeverShown() throws IOException {
        try (FaultInjectingProxy proxy = new FaultInjectingProxy(Azurite.endpoint());
             Storage storage = open(Map.of(AzureSettings.ACCOUNT, Azurite.ACCOUNT, AzureSettings.KEY, WRONG_KEY,
                     AzureSettings.ENDPOINT, proxy.endpoint().toString()), Map.of())) {
            StorageException denied = failureOf(() -> storage.stat("secret/object"));
            assertThat(denied.reason()).isEqualTo(Reason.ACCESS_DENIED);
            assertThat(denied.getMessage()).contains("secret/object").contains("azure-key");
            assertThat(proxy.requests()).as("refused credentials are not retried").isEqualTo(1);

            StorageException writeDenied = failureOf(() -> {
                try (ObjectWriter writer = storage.write("secret/object", WriteMode.OVERWRITE)) {
                    writer.write(new byte[10]);
                    writer.commit();
                }
            });
            assertThat(writeDenied.reason()).isEqualTo(Reason.ACCESS_DENIED);
            for (StorageException e : List.of(denied, writeDenied)) {
                assertThat(everythingPrinted(e)).doesNotContain(WRONG_KEY).doesNotContain(Azurite.KEY);
            }
        }
    }

    @Test
    void aSasWithoutWritePermissionIsAccessDeniedAndItsSignatureNeverShown() throws IOException {
        String readOnly = accountSas("rl");
        String signature = Stream.of(readOnly.split("&")).filter(p -> p.startsWith("sig=")).findFirst().orElseThrow()
                .substring(4);
        try (Storage storage = open(Map.of(AzureSettings.SAS_TOKEN, readOnly, AzureSettings.ENDPOINT, endpoint),
                Map.of())) {
            assertThat(storage.stat("missing")).isEmpty();
            StorageException denied = failureOf(() -> {
                try (ObjectWriter writer = storage.write("not/allowed", WriteMode.OVERWRITE)) {
                    writer.write(new byte[10]);
                    writer.commit();
                }
            });
            assertThat(denied.reason()).isEqualTo(Reason.ACCESS_DENIED);
            assertThat(denied.getMessage()).contains("not/allowed");
            String printed = everythingPrinted(denied);
            assertThat(printed).doesNotContain(signature)
                    .doesNotContain(java.net.URLDecoder.decode(signature, StandardCharsets.UTF_8));

            StorageException createDenied = failureOf(() -> ((ContainerProvisioning) storage).ensureContainer());
            assertThat(createDenied.reason()).isEqualTo(Reason.ACCESS_DENIED);
        }
    }

    @Test
    void aMissingContainerIsAConfigurationErrorPointingToInit() {
        String missing = Azurite.newContainer("missing");
        try (Storage storage = Storages.open("azure://" + missing, Azurite.settings(), Map.of())) {
            List<ThrowingCallable> calls = List.of(
                    () -> storage.stat("some/key"),
                    () -> storage.read("some/key"),
                    () -> storage.list("some/").count(),
                    () -> {
                        try (ObjectWriter writer = storage.write("some/key", WriteMode.OVERWRITE)) {
                            writer.write(new byte[10]);
                            writer.commit();
                        }
                    });
            for (ThrowingCallable call : calls) {
                StorageException e = failureOf(call);
                assertThat(e.reason()).isEqualTo(Reason.CONFIGURATION);
                assertThat(e.getMessage()).contains(missing).contains("pgvault init");
            }
        }
    }

    @Test
    void ensureContainerCreatesAMissingContainerOnce() {
        String fresh = Azurite.newContainer("init");
        createdContainers.add(fresh);
        Map<String, String> settings = new HashMap<>(Azurite.settings());
        try (Storage storage = Storages.open("azure://" + fresh + "/repo", settings, Map.of())) {
            assertThat(((ContainerProvisioning) storage).ensureContainer()).isTrue();
            assertThat(admin.getBlobContainerClient(fresh).exists()).isTrue();
            assertThat(((ContainerProvisioning) storage).ensureContainer()).isFalse();
            assertThat(storage.stat("anything")).isEmpty();
        }
    }
}
