package io.pgvault.storage.s3;

import io.pgvault.storage.Storage;
import io.pgvault.storage.StorageContractTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;

/** The storage contract against a real s3proxy (infra/s3proxy.sh), on a fresh bucket, with 5 MiB parts. */
@Tag("integration")
class S3StorageContractTest extends StorageContractTest {

    @Override
    protected Storage openStorage() {
        return S3TestServer.newBucket("contract");
    }

    @Override
    protected int threePartSize() {
        return 3 * S3StorageConfig.MIN_PART_SIZE;
    }

    @AfterAll
    void dropBucket() {
        // runs before the suite closes the adapter
        if (storage != null) {
            S3TestServer.dropBucket((S3Storage) storage);
        }
    }
}
