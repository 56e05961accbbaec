package io.pgvault.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command's --help renders cleanly: picocli formats help text, so a bare %p or %f in it breaks the page. */
class HelpTextTest {

    private static void collect(CommandLine cl, List<String[]> out, List<String> path) {
        out.add(path.toArray(String[]::new));
        cl.getSubcommands().forEach((name, sub) -> {
            if (sub.getCommandName().equals(name)) {
                List<String> p = new ArrayList<>(path);
                p.add(name);
                collect(sub, out, p);
            }
        });
    }

    @Test
    void everyHelpPageRendersWithoutPicocliWarnings() {
        List<String[]> commands = new ArrayList<>();
        collect(Main.commandLine(new PgVaultCommand(), null, io.pgvault.storage.Storages.allSettings()), commands,
                new ArrayList<>());
        assertThat(commands.size()).isGreaterThan(15);
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        for (String[] command : commands) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            List<String> args = new ArrayList<>(List.of(command));
            args.add("--help");
            int code;
            try {
                System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
                System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
                code = Main.run(args.toArray(String[]::new), Map.of());
            } finally {
                System.setOut(stdout);
                System.setErr(stderr);
            }
            String name = "pgvault " + String.join(" ", command) + " --help";
            assertThat(code).as(name).isZero();
            assertThat(err.toString(StandardCharsets.UTF_8)).as(name).doesNotContain("picocli WARN");
            assertThat(out.toString(StandardCharsets.UTF_8)).as(name).contains("Usage: pgvault").doesNotContain("%n");
        }
    }
}
