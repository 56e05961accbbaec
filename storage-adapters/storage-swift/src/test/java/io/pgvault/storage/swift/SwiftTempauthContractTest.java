package io.pgvault.storage.swift;

import java.util.Map;

/** The contract with tempauth (Swift's v1 auth, as in Swift's own test set-ups), on the same server. */
class SwiftTempauthContractTest extends SwiftContractTestBase {

    @Override
    protected Map<String, String> settings() {
        return SwiftTestServer.tempauth(SwiftTestServer.TEMPAUTH_URL);
    }
}
