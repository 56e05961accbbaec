package io.pgvault.storage.s3;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The real S3 server the integration tests run against: s3proxy started by {@code infra/s3proxy.sh}, or whatever
 * {@code PGVAULT_IT_S3_ENDPOINT} names. A missing server fails the tests loudly, with the command that starts one.
 */
final class S3TestServer {

    static final String DEFAULT_ENDPOINT = "http://127.0.0.1:8081";
    static final String ACCESS_KEY = "test-access-key";
    static final String SECRET_KEY = "test-secret-key";

    private S3TestServer() {
    }

    static URI endpoint() {
        String value = System.getenv("PGVAULT_IT_S3_ENDPOINT");
        return URI.create(value == null || value.isBlank() ? DEFAULT_ENDPOINT : value.trim());
    }

    static boolean answers(URI endpoint) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(endpoint.getHost(), endpoint.getPort() < 0 ? 80 : endpoint.getPort()),
                    2000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static void requireRunning() {
        if (!answers(endpoint())) {
            fail("no S3 server answers at " + endpoint() + ": start s3proxy with infra/s3proxy.sh (from the repository "
                    + "root), or point PGVAULT_IT_S3_ENDPOINT at another S3-compatible server");
        }
    }

    /** A configuration for a bucket on the test server: 5 MiB parts, so the multi-part path runs on small objects. */
    static S3StorageConfig config(String bucket) {
        requireRunning();
        return S3StorageConfig.withKeys(bucket, "", endpoint(), ACCESS_KEY, SECRET_KEY)
                .withPartSize(S3StorageConfig.MIN_PART_SIZE);
    }

    static String newBucketName(String purpose) {
        return ("pgvault-it-" + purpose + "-" + UUID.randomUUID().toString().substring(0, 8)).toLowerCase(Locale.ROOT);
    }

    /** Opens storage on a new, empty bucket. */
    static S3Storage newBucket(String purpose) {
        S3Storage storage = new S3Storage(config(newBucketName(purpose)));
        storage.ensureContainer();
        return storage;
    }

    /** A bare SDK client on the test server, for what the Storage interface does not show (uploads in progress). */
    static S3Client rawClient() {
        S3StorageConfig config = config("unused");
        return S3Clients.open(config, S3Clients.credentials(config));
    }

    /** Removes a test bucket and everything in it. */
    static void dropBucket(S3Storage storage) {
        try (var keys = storage.list("")) {
            storage.delete(keys.map(io.pgvault.storage.ObjectInfo::key).toList());
        }
        try (S3Client client = rawClient()) {
            String bucket = storage.config().bucket();
            client.listMultipartUploads(b -> b.bucket(bucket)).uploads().forEach(u -> client.abortMultipartUpload(
                    b -> b.bucket(bucket).key(u.key()).uploadId(u.uploadId())));
            try {
                client.deleteBucket(b -> b.bucket(bucket));
            } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
                // s3proxy's filesystem backend keeps empty directories of abandoned uploads: the bucket is
                // empty as far as S3 can tell, and it lives in a temporary directory
                if (e.statusCode() != 409) {
                    throw e;
                }
            }
        }
    }

    /** {@code infra/s3proxy.sh} of this checkout, found from the module's directory upwards. */
    static Path script() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("infra/s3proxy.sh");
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        return fail("infra/s3proxy.sh not found above " + Path.of("").toAbsolutePath());
    }

    /** Runs {@code infra/s3proxy.sh}, which starts s3proxy unless something already answers. */
    static void runScript() throws IOException, InterruptedException {
        Path log = Files.createTempFile("s3proxy-script", ".log");
        Process process = new ProcessBuilder("bash", script().toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!process.waitFor(180, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("infra/s3proxy.sh did not finish within 180 s; output: " + Files.readString(log));
        }
        if (process.exitValue() != 0) {
            fail("infra/s3proxy.sh failed with exit code " + process.exitValue() + ": " + Files.readString(log));
        }
        Files.deleteIfExists(log);
    }
}
