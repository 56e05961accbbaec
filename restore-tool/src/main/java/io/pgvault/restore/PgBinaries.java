package io.pgvault.restore;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.pg.PgCtl;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where the server programs for a data directory's major version are. */
final class PgBinaries {

    private PgBinaries() {
    }

    /**
     * {@code hint} when given, else Debian's /usr/lib/postgresql/MAJOR/bin, else the newest installed version.
     *
     * @throws PgVaultException NOT_FOUND naming what to install or pass
     */
    static Path find(String hint, int major) {
        if (hint != null && !hint.isBlank()) {
            Path p = Path.of(hint);
            if (!Files.isExecutable(p.resolve("pg_ctl"))) {
                throw new PgVaultException(ErrorCode.NOT_FOUND, "no pg_ctl in " + hint + " (--pg-bin)");
            }
            return p;
        }
        Path debian = Path.of("/usr/lib/postgresql", Integer.toString(major), "bin");
        if (Files.isExecutable(debian.resolve("pg_ctl"))) {
            return debian;
        }
        return PgCtl.findBinDir(null);
    }
}
