package io.pgvault.cli.it;

/** End-to-end PITR with the repository on Azure Blob Storage (Azurite on 127.0.0.1, started by infra/azurite.sh). */
class AzurePitrIT extends ObjectStorePitrIT {
    @Override
    RepoTarget repository() {
        return RepoTarget.azure();
    }
}
