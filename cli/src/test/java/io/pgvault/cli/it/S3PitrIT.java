package io.pgvault.cli.it;

/** End-to-end PITR with the repository on S3 (s3proxy on 127.0.0.1, started by infra/s3proxy.sh). */
class S3PitrIT extends ObjectStorePitrIT {
    @Override
    RepoTarget repository() {
        return RepoTarget.s3();
    }
}
