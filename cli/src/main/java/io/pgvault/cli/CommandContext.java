package io.pgvault.cli;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.crypt.Passphrase;
import io.pgvault.core.pg.PgConnectionSettings;
import io.pgvault.core.repo.Repository;
import io.pgvault.storage.Storage;
import io.pgvault.storage.StorageSetting;
import io.pgvault.storage.Storages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;

/**
 * What a command needs from the global options, built once: the repository, the connection settings, the data
 * directory. Commands stay thin: parse, build settings here, call one service.
 */
public final class CommandContext implements AutoCloseable {

    /** Settings that come only from the environment or the config file, never from a flag. */
    public static final java.util.Set<String> SECRET_SETTINGS = java.util.Set.of("passphrase", "new-passphrase");

    private final PgVaultCommand root;
    private final Map<String, String> environment;
    private Storage storage;
    private Repository repository;

    private CommandContext(PgVaultCommand root, Map<String, String> environment) {
        this.root = root;
        this.environment = environment;
    }

    public static CommandContext of(CommandSpec spec) {
        PgVaultCommand root = (PgVaultCommand) spec.root().userObject();
        return new CommandContext(root, root.environment);
    }

    public GlobalOptions options() {
        return root.globals;
    }

    public String repoUrl() {
        if (root.globals.repo == null || root.globals.repo.isBlank()) {
            throw new PgVaultException(ErrorCode.CONFIG, "no repository given: set --repo, PGVAULT_REPO or 'repo:' "
                    + "in the config file (e.g. file:///var/lib/pgvault)");
        }
        return root.globals.repo;
    }

    public Storage storage() {
        if (storage == null) {
            storage = Storages.open(repoUrl(), root.storageSettings, environment);
        }
        return storage;
    }

    /** The repository, built once: its master key is then derived (slowly, by design) once per command. */
    public Repository repository() {
        if (repository != null) {
            return repository;
        }
        Passphrase passphrase = passphrase();
        try {
            repository = new Repository(storage(), root.globals.cluster, passphrase);
            return repository;
        } catch (IllegalArgumentException e) {
            throw new PgVaultException(ErrorCode.CONFIG, e.getMessage());
        }
    }

    /**
     * The encryption passphrase, or null: from --passphrase-file (PGVAULT_PASSPHRASE_FILE, config passphrase-file),
     * else PGVAULT_PASSPHRASE or the config key passphrase. Never a flag with the value: process lists show flags.
     */
    public Passphrase passphrase() {
        return passphrase("passphrase", root.globals.passphraseFile, "--passphrase-file");
    }

    /**
     * A passphrase from a file option, else from a flagless secret setting ({@link #SECRET_SETTINGS}).
     *
     * @return null when neither is given
     */
    public Passphrase passphrase(String setting, Path file, String fileFlag) {
        String value = root.defaults.lookup(setting);
        if (file != null && value != null) {
            throw new PgVaultException(ErrorCode.CONFIG, "the passphrase is given twice (" + fileFlag + " and "
                    + root.defaults.sourceOf(setting) + "); keep one");
        }
        if (file != null) {
            return Passphrase.readFile(file);
        }
        if (value == null) {
            return null;
        }
        try {
            return Passphrase.of(value);
        } catch (IllegalArgumentException e) {
            throw new PgVaultException(ErrorCode.CONFIG, e.getMessage() + " (" + root.defaults.sourceOf(setting)
                    + ")");
        }
    }

    /** Connection settings; the password comes from PGPASSWORD, else pgjdbc reads ~/.pgpass (or PGPASSFILE). */
    public PgConnectionSettings connection() {
        try {
            return new PgConnectionSettings(root.globals.pgHost, root.globals.pgPort, root.globals.pgUser,
                    root.globals.pgDatabase, environment.get("PGPASSWORD"));
        } catch (IllegalArgumentException e) {
            throw new PgVaultException(ErrorCode.CONFIG, e.getMessage());
        }
    }

    public Path pgdata() {
        if (root.globals.pgdata == null) {
            throw new PgVaultException(ErrorCode.CONFIG, "no data directory given: set --pgdata or PGVAULT_PGDATA");
        }
        return root.globals.pgdata.toAbsolutePath().normalize();
    }

    /** PGPASSWORD from the environment, or null (pgjdbc then reads the pgpass file). */
    public String pgPassword() {
        return environment.get("PGPASSWORD");
    }

    /** The data directory when one is configured, else null. */
    public Path pgdataIfSet() {
        return root.globals.pgdata == null ? null : pgdata();
    }

    public boolean json() {
        return root.globals.json;
    }

    /**
     * The command line PostgreSQL runs to fetch WAL from this repository: the JVM-free {@code bin/pgvault-wal-fetch}
     * (which takes segments a prefetcher downloaded ahead, in parallel, and falls back to {@code pgvault wal-fetch})
     * with the same repository, cluster and config file, and the adapter settings that are not secret (secrets reach
     * the server's environment or config file, never its process list).
     */
    public String restoreCommand() {
        String home = System.getProperty("pgvault.home");
        if (home == null) {
            throw new PgVaultException(ErrorCode.CONFIG, "cannot tell where the pgvault launcher is "
                    + "(run pgvault through bin/pgvault, or pass --restore-command)");
        }
        List<String> words = new ArrayList<>();
        words.add(Path.of(home, "bin", "pgvault-wal-fetch").toString());
        if (root.defaults.configFile() != null && !root.defaults.configFile().equals(ConfigDefaults.SYSTEM_CONFIG)) {
            words.add("--config");
            words.add(root.defaults.configFile().toAbsolutePath().toString());
        }
        words.add("--repo");
        words.add(repoUrl());
        words.add("--cluster");
        words.add(root.globals.cluster);
        if (root.globals.passphraseFile != null) {
            words.add("--passphrase-file"); // a path, not the secret
            words.add(root.globals.passphraseFile.toAbsolutePath().toString());
        }
        for (StorageSetting s : Storages.allSettings()) {
            String v = root.storageSettings.get(s.name());
            if (v != null && !s.secret()) {
                words.add("--" + s.name());
                words.add(v);
            }
        }
        StringBuilder cmd = new StringBuilder();
        for (String w : words) {
            cmd.append(shellQuote(w)).append(' ');
        }
        return cmd.append("%f %p").toString();
    }

    static String shellQuote(String word) {
        if (word.matches("[A-Za-z0-9_./:=@%+-]+")) {
            return word;
        }
        return "'" + word.replace("'", "'\\''") + "'";
    }

    /** True when the data directory is usable by the backup (exists and holds PG_VERSION). */
    public static boolean looksLikeDataDirectory(Path dir) {
        return Files.isRegularFile(dir.resolve("PG_VERSION"));
    }

    @Override
    public void close() {
        if (storage != null) {
            storage.close();
        }
    }
}
