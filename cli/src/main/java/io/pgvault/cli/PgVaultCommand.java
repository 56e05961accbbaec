package io.pgvault.cli;

import io.pgvault.cli.commands.AgentCommand;
import io.pgvault.cli.commands.BackupCommand;
import io.pgvault.cli.commands.DemoCommand;
import io.pgvault.cli.commands.ExpireCommand;
import io.pgvault.cli.commands.InfoCommand;
import io.pgvault.cli.commands.InitCommand;
import io.pgvault.cli.commands.ListCommand;
import io.pgvault.cli.commands.PinCommand;
import io.pgvault.cli.commands.PassphraseCommand;
import io.pgvault.cli.commands.RelateCommand;
import io.pgvault.cli.commands.RestoreCommand;
import io.pgvault.cli.commands.SetPasswordCommand;
import io.pgvault.cli.commands.StandbyCommand;
import io.pgvault.cli.commands.StatusCommand;
import io.pgvault.cli.commands.WalFetchCommand;
import io.pgvault.cli.commands.WalPrefetchCommand;
import io.pgvault.cli.commands.VerifyCommand;
import io.pgvault.cli.commands.WalPushCommand;
import io.pgvault.core.Version;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ScopeType;

/** The root command: global options and the list of commands. */
// INHERIT gives every command --help and --version (its usage, the exit codes); without it 'pgvault restore --help',
// which the usage-error hint recommends, is itself a usage error
@Command(name = "pgvault", mixinStandardHelpOptions = true, version = "pgvault " + Version.VALUE,
        scope = ScopeType.INHERIT, sortOptions = false, usageHelpAutoWidth = true,
        description = {
            "PostgreSQL backup and point-in-time recovery.",
            "",
            "Every option can also come from an environment variable (PGVAULT_ + the option name in upper case,",
            "dashes as underscores: --pg-host is PGVAULT_PG_HOST) or a key of the YAML config file (pg-host: ...).",
            "Flags win over the environment, which wins over the config file.",
            ""},
        footerHeading = "%nExit codes:%n",
        footer = {
            "  0 success            1 wal-fetch: WAL file not in the archive",
            "  2 usage error        3 configuration error      4 refused (nothing changed)",
            "  5 not found          6 repository storage error 7 PostgreSQL error",
            "  8 WAL conflict       9 damaged data             10 timeout",
            "  11 locked            12 wrong cluster           13 local I/O error      70 internal error",
            "  14 recovery ended before the target        15 standby must be rebuilt (standby --check)",
            "  16 encryption passphrase missing or wrong",
            "",
            "Example: pgvault --repo file:///var/lib/pgvault --pgdata /var/lib/postgresql/15/main backup"})
public class PgVaultCommand implements Runnable {

    /**
     * The commands, in the order the usage lists them. Main registers them (all, or only the one a command line
     * names: building picocli's model of every command costs a noticeable share of a short command's start).
     */
    public static final List<Class<?>> COMMANDS = List.of(InitCommand.class, BackupCommand.class,
            WalPushCommand.class, WalFetchCommand.class, WalPrefetchCommand.class, ListCommand.class,
            InfoCommand.class, RestoreCommand.class, StandbyCommand.class, VerifyCommand.class, ExpireCommand.class,
            PinCommand.class, PinCommand.Unpin.class, DemoCommand.class, RelateCommand.class,
            SetPasswordCommand.class, AgentCommand.class, StatusCommand.class, PassphraseCommand.class);

    /** Prints the usage with every command listed; set by Main. */
    Runnable usage;

    @Mixin
    public GlobalOptions globals;

    /** Adapter settings (s3-region, azure-account, ...) resolved from flags, environment and config. */
    public final java.util.Map<String, String> storageSettings = new java.util.TreeMap<>();

    /** The config defaults in force, so commands can hand the same config file to restore_command. */
    public ConfigDefaults defaults;

    /** The process environment as Main received it (credentials, PGPASSWORD); never read System.getenv() below. */
    public java.util.Map<String, String> environment = java.util.Map.of();

    @Override
    public void run() {
        usage.run();
    }
}
