package io.pgvault.cli.it;

class StorageFaultIT {
    static final String SWIFT_TEMPAUTH_KEY = "testing";
}
