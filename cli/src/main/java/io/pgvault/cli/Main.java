package io.pgvault.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.repo.Repository;
import io.pgvault.storage.StorageException;
import io.pgvault.storage.StorageSetting;
import io.pgvault.storage.Storages;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/** Entry point: wires config and environment defaults, adapter settings, logging and exit codes. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        Warmup.start(args);
        System.exit(run(args, System.getenv()));
    }

    /** Runs one command line; returns the exit code. */
    public static int run(String[] args, Map<String, String> environment) {
        boolean debug = Arrays.asList(args).contains("--debug");
        configureLogging(debug);
        for (String arg : args) {
            // refused before parsing, so the value is never echoed back in a usage message (or a server log)
            if (arg.matches("--(new-)?passphrase(=.*)?")) {
                String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
                String setting = name.substring(2);
                System.err.println("pgvault: there is no " + name + " flag (process lists would show the secret): use "
                        + ConfigDefaults.envName(setting) + ", the config key " + setting + ", or " + name + "-file FILE");
                return ErrorCode.USAGE.exitCode();
            }
        }
        try {
            ConfigDefaults defaults = ConfigDefaults.load(args, environment);
            List<StorageSetting> settings = Storages.allSettings();
            Class<?> named = commandNamed(args);
            PgVaultCommand root = new PgVaultCommand();
            root.defaults = defaults;
            root.environment = environment;
            CommandLine cl = commandLine(root, named, settings);
            root.usage = () -> commandLine(new PgVaultCommand(), null, settings).usage(System.out);
            Set<String> known = optionNames(cl);
            if (named != null && !defaults.allKnown(known)) { // perhaps another command's option: judge by all
                known = optionNames(commandLine(new PgVaultCommand(), null, settings));
            }
            defaults.checkKnown(known);
            cl.setDefaultValueProvider(defaults);
            cl.setAllowSubcommandsAsOptionParameters(true);
            cl.setExecutionStrategy(parse -> {
                collectStorageSettings(parse, settings, defaults, root.storageSettings);
                return new CommandLine.RunLast().execute(parse);
            });
            cl.setParameterExceptionHandler((e, a) -> {
                PrintWriter err = e.getCommandLine().getErr();
                String source = e.getArgSpec() instanceof OptionSpec o && o.longestName().startsWith("--")
                        ? defaults.sourceOf(o.longestName().substring(2)) : null;
                // one line, like every other error: the hint goes on the same line
                String hint = source != null ? " (from " + source + ")" : "; try 'pgvault "
                        + (e.getCommandLine().getCommandName().equals("pgvault") ? ""
                        : e.getCommandLine().getCommandName() + " ") + "--help' for usage";
                err.println("pgvault: " + e.getMessage().strip() + hint);
                return source == null ? ErrorCode.USAGE.exitCode() : ErrorCode.CONFIG.exitCode();
            });
            cl.setExecutionExceptionHandler((e, commandLine, parse) -> report(e, debug));
            return cl.execute(args);
        } catch (RuntimeException e) {
            return report(e, debug);
        } catch (OutOfMemoryError e) {
            System.err.println("pgvault: out of memory in a heap of " + Runtime.getRuntime().maxMemory() / (1024 * 1024)
                    + " MiB; give it more with PGVAULT_JAVA_OPTS (e.g. PGVAULT_JAVA_OPTS=\"-Xmx1g\") and run again");
            if (debug) {
                e.printStackTrace(System.err);
            }
            return ErrorCode.INTERNAL.exitCode();
        }
    }

    /**
     * The command line's model: the root with every command, or with only {@code only} when not null, and the
     * adapters' settings as options of each.
     */
    static CommandLine commandLine(PgVaultCommand root, Class<?> only, List<StorageSetting> settings) {
        CommandLine cl = new CommandLine(root);
        for (Class<?> command : PgVaultCommand.COMMANDS) {
            if (only == null || command == only) {
                cl.addSubcommand(newInstance(command));
            }
        }
        addStorageOptions(cl, settings);
        return cl;
    }

    private static Object newInstance(Class<?> command) {
        try {
            return command.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot create " + command.getName(), e);
        }
    }

    /**
     * The command a command line names, when exactly one of its arguments is a command's name; otherwise (none, or
     * an option's value that happens to be a command's name as well) null, and every command is registered.
     */
    static Class<?> commandNamed(String[] args) {
        Class<?> found = null;
        for (String arg : args) {
            for (Class<?> command : PgVaultCommand.COMMANDS) {
                CommandLine.Command c = command.getAnnotation(CommandLine.Command.class);
                if (c.name().equals(arg) || List.of(c.aliases()).contains(arg)) {
                    if (found != null) {
                        return null;
                    }
                    found = command;
                }
            }
        }
        return found;
    }

    /** Prints one line naming the problem (a stack trace only with --debug) and returns the exit code. */
    static int report(Exception e, boolean debug) {
        Throwable t = e;
        if (t instanceof StorageException s) {
            t = Repository.translate(s);
        }
        ErrorCode code;
        String message;
        if (t instanceof PgVaultException p) {
            code = p.code();
            message = p.getMessage();
        } else if (t instanceof IllegalArgumentException) {
            code = ErrorCode.USAGE;
            message = t.getMessage();
        } else {
            code = ErrorCode.INTERNAL;
            message = "internal error: " + t + " (rerun with --debug and report it)";
        }
        if (code != ErrorCode.WAL_NOT_IN_ARCHIVE || debug) {
            System.err.println("pgvault: " + message);
        }
        if (debug) {
            e.printStackTrace(System.err);
        }
        return code.exitCode();
    }

    private static void addStorageOptions(CommandLine cl, List<StorageSetting> settings) {
        List<CommandLine> all = new ArrayList<>();
        collect(cl, all);
        for (CommandLine c : all) {
            CommandSpec spec = c.getCommandSpec();
            for (StorageSetting s : settings) {
                spec.addOption(OptionSpec.builder("--" + s.name())
                        .paramLabel(s.secret() ? "SECRET" : "VALUE")
                        .type(String.class)
                        .description(s.description() + (s.secret() ? " (secret: prefer the environment or config file)" : ""))
                        .hidden(c != cl)
                        .build());
            }
        }
    }

    private static void collect(CommandLine c, List<CommandLine> out) {
        out.add(c);
        c.getSubcommands().values().forEach(sub -> collect(sub, out));
    }

    private static Set<String> optionNames(CommandLine cl) {
        Set<String> names = new HashSet<>();
        List<CommandLine> all = new ArrayList<>();
        collect(cl, all);
        for (CommandLine c : all) {
            for (OptionSpec o : c.getCommandSpec().options()) {
                if (o.longestName().startsWith("--")) {
                    names.add(o.longestName().substring(2));
                }
            }
        }
        names.removeAll(Set.of("help", "version", "config"));
        // secrets that are settings without a flag: a flag's value would show in process lists
        names.addAll(CommandContext.SECRET_SETTINGS);
        return names;
    }

    /** A flag given anywhere on the command line wins; otherwise the environment, then the config file. */
    private static void collectStorageSettings(ParseResult parse, List<StorageSetting> settings,
                                               ConfigDefaults defaults, Map<String, String> out) {
        for (StorageSetting s : settings) {
            String value = null;
            for (ParseResult p = parse; p != null; p = p.subcommand()) {
                if (p.hasMatchedOption("--" + s.name())) {
                    value = p.matchedOptionValue("--" + s.name(), (String) null);
                }
            }
            if (value == null) {
                value = defaults.lookup(s.name());
            }
            if (value != null) {
                out.put(s.name(), value);
            }
        }
    }

    private static void configureLogging(boolean debug) {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(debug ? Level.DEBUG : Level.WARN);
        if (!debug) {
            ((Logger) LoggerFactory.getLogger("io.pgvault")).setLevel(Level.WARN);
            // the SDKs log every retried request; pgvault's adapters report the final outcome in one line instead
            for (String sdk : List.of("com.azure", "software.amazon", "org.apache.hc", "com.github.openstack4j",
                    "org.openstack4j")) {
                ((Logger) LoggerFactory.getLogger(sdk)).setLevel(Level.OFF);
            }
        } else {
            ((Logger) LoggerFactory.getLogger("io.pgvault")).setLevel(Level.DEBUG);
            // third-party wire logs drown pgvault's own; keep them at INFO even in debug
            for (String noisy : List.of("software.amazon", "io.netty", "org.apache.http", "com.azure", "reactor")) {
                ((Logger) LoggerFactory.getLogger(noisy)).setLevel(Level.INFO);
            }
        }
    }
}
