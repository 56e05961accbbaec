package io.pgvault.storage.swift;

import java.util.Map;

/** The contract with Keystone v3, the production path. */
class SwiftKeystoneContractTest extends SwiftContractTestBase {

    @Override
    protected Map<String, String> settings() {
        return SwiftTestServer.keystone();
    }
}
