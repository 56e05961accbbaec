package io.pgvault.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Supplies option values that were not given as flags: first from the environment ({@code PGVAULT_} + the flag's
 * name in upper case, dashes as underscores), then from the YAML config file (keys are the flag names without
 * dashes in front). Flags always win, because picocli consults this only for options absent from the command line.
 */
final class ConfigDefaults implements CommandLine.IDefaultValueProvider {

    static final Path SYSTEM_CONFIG = Path.of("/etc/pgvault/pgvault.yaml");

    private final Map<String, String> environment;
    private final Map<String, String> fileValues;
    private final Path configFile;
    private final Map<String, String> sources = new HashMap<>();

    private ConfigDefaults(Map<String, String> environment, Map<String, String> fileValues, Path configFile) {
        this.environment = environment;
        this.fileValues = fileValues;
        this.configFile = configFile;
    }

    /** Finds and reads the config file: --config, else PGVAULT_CONFIG, else /etc/pgvault/pgvault.yaml if present. */
    static ConfigDefaults load(String[] args, Map<String, String> environment) {
        Path file = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) {
                file = Path.of(args[i + 1]);
            } else if (args[i].startsWith("--config=")) {
                file = Path.of(args[i].substring("--config=".length()));
            }
        }
        if (file == null && environment.get("PGVAULT_CONFIG") != null && !environment.get("PGVAULT_CONFIG").isBlank()) {
            file = Path.of(environment.get("PGVAULT_CONFIG"));
        }
        boolean explicit = file != null;
        if (file == null && Files.isReadable(SYSTEM_CONFIG)) {
            file = SYSTEM_CONFIG;
        }
        if (file == null) {
            return new ConfigDefaults(environment, Map.of(), null);
        }
        if (explicit && !Files.exists(file)) {
            throw new PgVaultException(ErrorCode.CONFIG, "config file " + file + " does not exist");
        }
        return new ConfigDefaults(environment, readYaml(file), file);
    }

    private static Map<String, String> readYaml(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
        } catch (IOException e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            throw new PgVaultException(ErrorCode.CONFIG, "config file " + file + " is not valid YAML: " + why);
        }
        Map<String, String> values = new HashMap<>();
        if (root == null || root.isMissingNode() || root.isNull()) {
            return values;
        }
        if (!root.isObject()) {
            throw new PgVaultException(ErrorCode.CONFIG, "config file " + file
                    + " must be a mapping of setting names to values (e.g. repo: file:///var/lib/pgvault)");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            if (v.isContainerNode()) {
                throw new PgVaultException(ErrorCode.CONFIG, "config key '" + e.getKey() + "' in " + file
                        + " must have a single value, not a list or mapping");
            }
            values.put(e.getKey(), v.isNull() ? null : v.asText());
        }
        return values;
    }

    /** Refuses config keys and PGVAULT_ variables that name no setting. */
    /** True when every config file key and PGVAULT_ environment variable names one of these options. */
    boolean allKnown(Set<String> knownNames) {
        for (String key : fileValues.keySet()) {
            if (!knownNames.contains(key)) {
                return false;
            }
        }
        for (String var : environment.keySet()) {
            if (settingVariable(var)
                    && !knownNames.contains(var.substring(8).toLowerCase(Locale.ROOT).replace('_', '-'))) {
                return false;
            }
        }
        return true;
    }

    private static boolean settingVariable(String var) {
        return var.startsWith("PGVAULT_") && !var.equals("PGVAULT_CONFIG") && !var.equals("PGVAULT_JAVA_OPTS")
                && !var.startsWith("PGVAULT_IT_");
    }

    void checkKnown(Set<String> knownNames) {
        for (String key : fileValues.keySet()) {
            if (!knownNames.contains(key)) {
                throw new PgVaultException(ErrorCode.CONFIG, "unknown key '" + key + "' in config file " + configFile
                        + " (keys are option names without dashes, e.g. repo, pg-port; see pgvault --help)");
            }
        }
        for (String var : environment.keySet()) {
            if (settingVariable(var)) {
                String name = var.substring(8).toLowerCase(Locale.ROOT).replace('_', '-');
                if (!knownNames.contains(name)) {
                    // other tools' variables may share the prefix, so this warns instead of refusing
                    System.err.println("pgvault: warning: environment variable " + var + " names no setting (ignored)");
                }
            }
        }
    }

    Path configFile() {
        return configFile;
    }

    /** Where the value of an option came from, for error messages; null when it was a flag or default. */
    String sourceOf(String optionName) {
        return sources.get(optionName);
    }

    @Override
    public String defaultValue(ArgSpec argSpec) {
        if (!(argSpec instanceof OptionSpec option) || !option.longestName().startsWith("--")) {
            return null;
        }
        String name = option.longestName().substring(2);
        return lookup(name);
    }

    /** The value for a setting name from the environment or the config file, or null. */
    String lookup(String name) {
        String var = envName(name);
        String fromEnv = environment.get(var);
        if (fromEnv != null) {
            sources.put(name, "environment variable " + var);
            return fromEnv;
        }
        if (fileValues.containsKey(name)) {
            sources.put(name, "key '" + name + "' in " + configFile);
            return fileValues.get(name);
        }
        return null;
    }

    static String envName(String name) {
        return "PGVAULT_" + name.toUpperCase(Locale.ROOT).replace('-', '_');
    }
}
