package io.pgvault.storage;

/** The contract suite against the in-memory store that upper layers use in fast tests. */
class InMemoryStorageContractTest extends StorageContractTest {
    @Override
    protected Storage openStorage() {
        return new InMemoryStorage();
    }

    @Override
    protected int threePartSize() {
        return 3 * 64 * 1024;
    }
}
