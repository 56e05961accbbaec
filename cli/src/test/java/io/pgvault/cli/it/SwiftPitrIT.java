package io.pgvault.cli.it;

/**
 * End-to-end PITR with the repository on OpenStack Swift (Keystone v3 on 127.0.0.1, started by infra/swift.sh),
 * credentials from the standard OS_* variables.
 */
class SwiftPitrIT extends ObjectStorePitrIT {
    @Override
    RepoTarget repository() {
        return RepoTarget.swift();
    }
}
