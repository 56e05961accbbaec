package io.pgvault.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where settings come from (flag, then PGVAULT_ environment variable, then config file) and how bad configuration is
 * refused, through the real entry point. Every command here fails fast without a database: {@code info} against an
 * empty file repository exits 5 naming the cluster it looked for, which shows which setting won.
 */
class ConfigPrecedenceTest {

    @TempDir
    Path tmp;

    private String repo;

    /** What one run printed and returned. */
    record Result(int code, String out, String err) {
    }

    @BeforeEach
    void emptyRepository() throws IOException {
        repo = "file://" + Files.createDirectories(tmp.resolve("repo"));
    }

    private static Result run(Map<String, String> env, String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = Main.run(args, env);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Result run(String... args) {
        return run(Map.of(), args);
    }

    private Path config(String yaml) throws IOException {
        return Files.writeString(tmp.resolve("pgvault-" + Math.abs(yaml.hashCode()) + ".yaml"), yaml);
    }

    private static void assertNotInitialized(Result r, String cluster) {
        assertThat(r.code()).as(r.err()).isEqualTo(5);
        assertThat(r.err()).contains("cluster '" + cluster + "' is not initialized");
    }

    // --- precedence ---------------------------------------------------------------------------------------------

    @Test
    void flagBeatsEnvironmentBeatsConfigFile() throws IOException {
        String cfg = config("repo: " + repo + "\ncluster: from-file\n").toString();
        Map<String, String> env = Map.of("PGVAULT_CLUSTER", "from-env");

        assertNotInitialized(run(env, "--config", cfg, "--cluster", "from-flag", "info"), "from-flag");
        assertNotInitialized(run(env, "--config", cfg, "info"), "from-env");
        assertNotInitialized(run(Map.of(), "--config", cfg, "info"), "from-file");
    }

    @Test
    void withNothingGivenTheDefaultClusterIsMain() {
        assertNotInitialized(run("--repo", repo, "info"), "main");
    }

    @Test
    void repositoryFromEachSource() throws IOException {
        assertNotInitialized(run(Map.of("PGVAULT_REPO", repo), "info"), "main");
        assertNotInitialized(run(Map.of(), "--config", config("repo: " + repo + "\n").toString(), "info"), "main");
        // a bad repository in the file loses against a good flag and a good environment variable
        String bad = config("repo: ftp://nowhere/x\n").toString();
        assertNotInitialized(run(Map.of(), "--config", bad, "--repo", repo, "info"), "main");
        assertNotInitialized(run(Map.of("PGVAULT_REPO", repo), "--config", bad, "info"), "main");
    }

    @Test
    void configFileFromTheEnvironmentAndConfigFlagBeatsIt() throws IOException {
        String envCfg = config("repo: " + repo + "\ncluster: env-file\n").toString();
        String flagCfg = config("repo: " + repo + "\ncluster: flag-file\n").toString();

        assertNotInitialized(run(Map.of("PGVAULT_CONFIG", envCfg), "info"), "env-file");
        assertNotInitialized(run(Map.of("PGVAULT_CONFIG", envCfg), "--config", flagCfg, "info"), "flag-file");
        assertNotInitialized(run(Map.of("PGVAULT_CONFIG", envCfg), "--config=" + flagCfg, "info"), "flag-file");
        // a blank PGVAULT_CONFIG means none
        assertNotInitialized(run(Map.of("PGVAULT_CONFIG", " "), "--repo", repo, "info"), "main");
    }

    @Test
    void optionsAreAcceptedBeforeAndAfterTheCommandName() throws IOException {
        assertNotInitialized(run("--repo", repo, "--cluster", "c1", "info"), "c1");
        assertNotInitialized(run("info", "--repo", repo, "--cluster", "c2"), "c2");
        assertNotInitialized(run("--repo", repo, "info", "--cluster", "c3"), "c3");
        assertNotInitialized(run("--cluster", "c4", "info", "--repo", repo), "c4");
        assertNotInitialized(run("--cluster=c5", "info", "--repo=" + repo), "c5");
        String cfg = config("repo: " + repo + "\ncluster: after\n").toString();
        assertNotInitialized(run("info", "--config", cfg), "after");
    }

    @Test
    void anEmptyConfigFileAndAnEmptyValueMeanDefaults() throws IOException {
        assertNotInitialized(run(Map.of(), "--config", config("").toString(), "--repo", repo, "info"), "main");
        assertNotInitialized(run(Map.of(), "--config", config("# only a comment\n").toString(), "--repo", repo,
                "info"), "main");
        assertNotInitialized(run(Map.of(), "--config", config("repo: " + repo + "\ncluster:\n").toString(), "info"),
                "main");
    }

    @Test
    void unknownEnvironmentVariablesOnlyWarn() {
        Result r = run(Map.of("PGVAULT_COLOUR", "blue"), "--repo", repo, "info");
        assertNotInitialized(r, "main");
        assertThat(r.err()).contains("PGVAULT_COLOUR").contains("names no setting");
    }

    // --- encryption passphrase --------------------------------------------------------------------------------

    @Test
    void passphraseIsASettingOfTheEnvironmentAndConfigFileButNeverAFlag() throws IOException {
        assertNotInitialized(run("--config", config("repo: " + repo + "\npassphrase: from the file\n").toString(),
                "info"), "main");
        Result env = run(Map.of("PGVAULT_PASSPHRASE", "x", "PGVAULT_NEW_PASSPHRASE", "y"), "--repo", repo, "info");
        assertNotInitialized(env, "main");
        assertThat(env.err()).doesNotContain("names no setting");
        Result flag = run("--repo", repo, "--passphrase", "visible in ps", "info");
        assertThat(flag.code()).isEqualTo(2);
        assertThat(flag.err()).doesNotContain("visible in ps");
    }

    @Test
    void passphraseFileMustBePrivateAndNotGivenTwice() throws IOException {
        Path file = Files.writeString(tmp.resolve("pass"), "secret words\n");
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        Result open = run("--repo", repo, "--passphrase-file", file.toString(), "info");
        assertThat(open.code()).isEqualTo(3);
        assertThat(open.err()).contains("chmod 600 " + file).doesNotContain("secret words");
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        assertNotInitialized(run(Map.of("PGVAULT_PASSPHRASE_FILE", file.toString()), "--repo", repo, "info"), "main");
        Result twice = run(Map.of("PGVAULT_PASSPHRASE", "other"), "--repo", repo, "--passphrase-file",
                file.toString(), "info");
        assertThat(twice.code()).isEqualTo(3);
        assertThat(twice.err()).contains("given twice").contains("PGVAULT_PASSPHRASE");
    }

    @Test
    void helpListsTheKeyExitCode() {
        assertThat(run("--help").out()).contains("16 encryption passphrase missing or wrong");
    }

    // --- refusals -----------------------------------------------------------------------------------------------

    @Test
    void aKeyOfAnotherCommandIsKnownToEveryCommand() throws IOException {
        // one config file serves every command: the agent's schedule is no unknown key for info, which Main builds
        // alone (without the other commands' options) when the command line names it
        Path cfg = config("repo: " + repo + "\nschedule-full: \"0 0 1 * * ?\"\n");
        Result r = run(Map.of("PGVAULT_SPOOL", tmp.resolve("spool").toString()), "--config", cfg.toString(), "info");
        assertNotInitialized(r, "main");
        assertThat(r.err()).doesNotContain("names no setting");
    }

    @Test
    void theCommandNamedAloneIsBuiltOtherwiseAll() {
        assertThat(Main.commandNamed(new String[] {"--repo", repo, "backup", "--type", "full"}))
                .isEqualTo(io.pgvault.cli.commands.BackupCommand.class);
        assertThat(Main.commandNamed(new String[] {"--repo", repo, "--help"})).isNull();
        // an option's value that is also a command's name: no guess, every command is registered
        assertThat(Main.commandNamed(new String[] {"--cluster", "backup", "list"})).isNull();
        Result r = run("--repo", repo, "--cluster", "list", "list");
        assertNotInitialized(r, "list");
    }

    @Test
    void unknownKeyInTheConfigFileIsAConfigError() throws IOException {
        Path cfg = config("repo: " + repo + "\ncolour: blue\n");
        Result r = run("--config", cfg.toString(), "info");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.err()).contains("unknown key 'colour'").contains(cfg.toString());
    }

    @Test
    void optionSpellingWithDashesIsAnUnknownKey() throws IOException {
        Result r = run("--config", config("--repo: " + repo + "\n").toString(), "info");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.err()).contains("unknown key '--repo'");
    }

    @Test
    void badValuesNameTheirSource() throws IOException {
        Path cfg = config("repo: " + repo + "\npg-port: abc\n");
        Result r = run("--config", cfg.toString(), "info");
        assertThat(r.code()).as(r.err()).isEqualTo(3);
        assertThat(r.err()).contains("--pg-port").contains("abc").contains("key 'pg-port' in " + cfg);

        Path jobs = config("repo: " + repo + "\njobs: x\n");
        r = run("--config", jobs.toString(), "info");
        assertThat(r.code()).as(r.err()).isEqualTo(3);
        assertThat(r.err()).contains("--jobs").contains("key 'jobs' in " + jobs);

        r = run(Map.of("PGVAULT_PG_PORT", "abc"), "--repo", repo, "info");
        assertThat(r.code()).as(r.err()).isEqualTo(3);
        assertThat(r.err()).contains("environment variable PGVAULT_PG_PORT");
    }

    @Test
    void walModeComesFromFlagEnvironmentOrConfigFileAndBadValuesNameTheirSource() throws IOException {
        Path good = config("repo: " + repo + "\ncluster: streamed\nwal-mode: stream\n");
        assertNotInitialized(run("--config", good.toString(), "agent"), "streamed");
        assertNotInitialized(run(Map.of("PGVAULT_WAL_MODE", "both"), "--repo", repo, "agent"), "main");

        Path bad = config("repo: " + repo + "\nwal-mode: sideways\n");
        Result r = run("--config", bad.toString(), "agent");
        assertThat(r.code()).as(r.err()).isEqualTo(3);
        assertThat(r.err()).contains("wal-mode must be archive, stream or both, got 'sideways'")
                .contains("key 'wal-mode' in " + bad);
        r = run(Map.of("PGVAULT_WAL_MODE", "x"), "--repo", repo, "agent");
        assertThat(r.code()).as(r.err()).isEqualTo(3);
        assertThat(r.err()).contains("environment variable PGVAULT_WAL_MODE");
        r = run("--repo", repo, "agent", "--wal-mode", "streaming");
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains("--wal-mode").contains("got 'streaming'");
        r = run("--repo", repo, "agent", "--wal-mode", "stream", "--stream-partial-interval", "0");
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains("stream-partial-interval must be between 0.1 and 3600 seconds");
        r = run("--repo", repo, "agent", "--wal-mode", "stream", "--slot", "Bad-Slot");
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains("invalid replication slot name 'Bad-Slot'");
    }

    @Test
    void aBadFlagValueIsAUsageError() {
        Result r = run("--repo", repo, "--pg-port", "abc", "info");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--pg-port").contains("--help");
    }

    @Test
    void aGoodFlagHidesABadValueInTheFile() throws IOException {
        Path cfg = config("repo: " + repo + "\npg-port: abc\n");
        assertNotInitialized(run("--config", cfg.toString(), "--pg-port", "5433", "info"), "main");
    }

    @Test
    void malformedYamlIsAConfigError() throws IOException {
        Path cfg = config("repo: [unclosed\ncluster: : :\n");
        Result r = run("--config", cfg.toString(), "info");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.err()).contains(cfg.toString()).contains("not valid YAML");
    }

    @Test
    void aMissingConfigFileIsAConfigError() {
        Path missing = tmp.resolve("nope.yaml");
        Result r = run("--config", missing.toString(), "--repo", repo, "info");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.err()).contains(missing.toString()).contains("does not exist");

        r = run(Map.of("PGVAULT_CONFIG", missing.toString()), "--repo", repo, "info");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.err()).contains("does not exist");
    }

    @Test
    void aConfigFileMustBeAMappingOfSingleValues() throws IOException {
        Path list = config("- repo\n- cluster\n");
        Result r = run("--config", list.toString(), "--repo", repo, "info");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.err()).contains("must be a mapping");

        Path scalar = config("just a string\n");
        r = run("--config", scalar.toString(), "--repo", repo, "info");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.err()).contains("must be a mapping");

        Path nested = config("repo: " + repo + "\ncluster:\n  name: x\n");
        r = run("--config", nested.toString(), "info");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.err()).contains("'cluster'").contains("single value");

        Path listValue = config("repo: [a, b]\n");
        r = run("--config", listValue.toString(), "info");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.err()).contains("'repo'").contains("single value");
    }

    @Test
    void aConfigDirectoryIsAConfigError() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("conf.d"));
        Result r = run("--config", dir.toString(), "--repo", repo, "info");
        assertThat(r.code()).as(r.err()).isEqualTo(3);
        assertThat(r.err()).contains(dir.toString());
    }

    @Test
    void noRepositoryIsAConfigErrorMentioningRepo() {
        Result r = run("info");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.err()).contains("--repo").contains("PGVAULT_REPO");
        r = run(Map.of("PGVAULT_REPO", ""), "info");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.err()).contains("--repo");
    }

    @Test
    void unsupportedOrMalformedRepositoryUrlsAreConfigErrors() {
        Result r = run("--repo", "ftp://x", "info");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.err()).contains("'ftp'").contains("file");

        r = run("--repo", "relative/path", "info");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.err()).contains("relative/path");

        r = run("--repo", "file://somehost/var/lib/pgvault", "info");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.err()).contains("three slashes");
    }

    @Test
    void anInvalidClusterNameIsAConfigError() {
        Result r = run("--repo", repo, "--cluster", "../etc", "info");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.err()).contains("invalid cluster name '../etc'");
    }

    @Test
    void restoreToATimeWithoutZoneIsRefusedBeforeAnythingIsWritten() {
        Path target = tmp.resolve("restored");
        Result r = run("--repo", repo, "restore", "--pgdata", target.toString(), "--target-time",
                "2026-11-20 10:15:00", "--restore-command", "true");
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains("no time zone").contains("2026-11-20 10:15:00+00:00");
        assertThat(target).doesNotExist();

        // also when pgvault has to build its own restore_command
        r = run("--repo", repo, "restore", "--pgdata", target.toString(), "--target-time", "2026-11-20T10:15:00");
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains("no time zone");
        assertThat(target).doesNotExist();
    }

    @Test
    void restoreWithTwoTargetsIsAUsageError() {
        Path target = tmp.resolve("restored");
        Result r = run("--repo", repo, "restore", "--pgdata", target.toString(), "--target-time",
                "2026-11-20 10:15:00+00", "--target-lsn", "0/3000060");
        assertThat(r.code()).isEqualTo(2);
        assertThat(target).doesNotExist();
    }

    @Test
    void unknownFlagsAndCommandsAreUsageErrors() {
        Result r = run("--repo", repo, "--colour", "blue", "info");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--colour");
        r = run("--repo", repo, "info", "--colour", "blue");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("try 'pgvault info --help'");
        assertThat(r.err().strip().lines()).as("one line").hasSize(1);
        assertThat(run("info", "--help").code()).as("the hint's advice works").isZero();
        r = run("--repo", repo, "infoo");
        assertThat(r.code()).isEqualTo(2);
    }

    @Test
    void helpAndVersionExitZero() {
        Result r = run("--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("Usage: pgvault").contains("PGVAULT_").contains("Exit codes");
        assertThat(r.err()).isEmpty();

        r = run("info", "--help");
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("Usage: pgvault info").contains("recoverable window");

        r = run("restore", "--help");
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("--target-time").contains("with a zone");

        r = run("--version");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("pgvault ");
    }

    @Test
    void helpNeedsNoValidConfiguration() throws IOException {
        Path cfg = config("repo: " + repo + "\n");
        assertThat(run("--config", cfg.toString(), "--help").code()).isZero();
    }
}
