package io.pgvault.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.pgvault.storage.ObjectInfo;
import io.pgvault.storage.ObjectWriter;
import io.pgvault.storage.StorageException;
import io.pgvault.storage.WriteMode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Kills s3proxy with SIGKILL in the middle of uploads and starts it again with infra/s3proxy.sh: each upload either
 * completes through its retries or fails cleanly, and no partial object is ever listed. The server is running again
 * when the class ends, whatever happened.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class S3ServerRestartTest {

    private static final int PART = S3StorageConfig.MIN_PART_SIZE;

    private S3Storage storage;

    @BeforeAll
    void open() {
        if (!S3TestServer.endpoint().toString().equals(S3TestServer.DEFAULT_ENDPOINT)) {
            fail("this test restarts the s3proxy of infra/s3proxy.sh on " + S3TestServer.DEFAULT_ENDPOINT
                    + "; unset PGVAULT_IT_S3_ENDPOINT (now " + S3TestServer.endpoint() + ") to run it");
        }
        S3TestServer.requireRunning();
        serverProcess(); // fail early when the server was not started by the script
        storage = S3TestServer.newBucket("restart");
    }

    @AfterAll
    void close() throws Exception {
        S3TestServer.runScript(); // whatever happened, leave a server for the other tests
        if (storage != null) {
            S3TestServer.dropBucket(storage);
            storage.close();
        }
    }

    private static ProcessHandle serverProcess() {
        String dir = System.getenv().getOrDefault("S3_DIR", "/tmp/it-s3");
        Path pidFile = Path.of(dir, "s3proxy.pid");
        try {
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .filter(p -> p.info().commandLine().orElse("").contains("s3proxy"))
                    .orElseThrow(() -> new IllegalStateException("no live s3proxy with pid " + pid));
        } catch (IOException | RuntimeException e) {
            return fail("the server on " + S3TestServer.DEFAULT_ENDPOINT + " was not started by infra/s3proxy.sh ("
                    + pidFile + ": " + e.getMessage() + "); stop it and run infra/s3proxy.sh");
        }
    }

    /** SIGKILLs the server, and starts it again in the background at once. */
    private static CompletableFuture<Void> killAndRestart() throws Exception {
        ProcessHandle server = serverProcess();
        server.destroyForcibly();
        server.onExit().get(30, TimeUnit.SECONDS);
        return CompletableFuture.runAsync(() -> {
            try {
                S3TestServer.runScript();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static byte[] data(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private List<String> keys(String prefix) {
        try (Stream<ObjectInfo> s = storage.list(prefix)) {
            return s.map(ObjectInfo::key).toList();
        }
    }

    /** The upload committed and reads back intact, or failed and left nothing listed. */
    private void assertWholeOrNothing(String key, byte[] data, StorageException failure) throws IOException {
        System.out.println("outcome of " + key + ": " + (failure == null ? "committed" : failure.getMessage()));
        if (failure == null) {
            try (InputStream in = storage.read(key)) {
                assertThat(in.readAllBytes()).isEqualTo(data);
            }
            assertThat(keys(key)).containsExactly(key);
        } else {
            assertThat(failure.getMessage()).contains(key);
            assertThat(storage.stat(key)).isEmpty();
            assertThat(keys(key)).isEmpty();
        }
    }

    @Test
    void aMultipartUploadOutlivesAServerKilledUnderIt() throws Exception {
        String key = "restart/multipart";
        byte[] data = data(5 * PART + 4321, 1);
        StorageException failure = null;
        CompletableFuture<Void> restart = null;
        try (ObjectWriter writer = storage.write(key, WriteMode.OVERWRITE)) {
            writer.write(data, 0, 2 * PART + 1); // two parts under way
            restart = killAndRestart();
            writer.write(data, 2 * PART + 1, data.length - (2 * PART + 1));
            assertThat(writer.commit().size()).isEqualTo(data.length);
        } catch (StorageException e) {
            failure = e;
        } finally {
            if (restart != null) {
                restart.get(180, TimeUnit.SECONDS);
            }
        }
        assertWholeOrNothing(key, data, failure);
    }

    @Test
    void aSmallWriteWaitsForTheServerToComeBack() throws Exception {
        String key = "restart/small";
        byte[] data = data(10_000, 2);
        CompletableFuture<Void> restart = killAndRestart();
        StorageException failure = null;
        try (ObjectWriter writer = storage.write(key, WriteMode.OVERWRITE)) {
            writer.write(data);
            writer.commit();
        } catch (StorageException e) {
            failure = e;
        } finally {
            restart.get(180, TimeUnit.SECONDS);
        }
        assertWholeOrNothing(key, data, failure);
        // with the default of 8 retries a restart of a few seconds is bridged
        assertThat(failure).isNull();
    }
}
