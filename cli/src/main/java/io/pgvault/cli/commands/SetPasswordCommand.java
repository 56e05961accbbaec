package io.pgvault.cli.commands;

import io.pgvault.cli.CommandContext;
import io.pgvault.cli.Output;
import io.pgvault.core.relation.OperatorPassword;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "set-password", header = "Set or generate the password of the login pgvault uses.", sortOptions = false, description = {
    "Set or generate the password of the login pgvault itself uses, and store it in a pgpass file (mode 0600; the",
    "host:port:*:USER line is replaced, other lines kept) where pgvault's connections find it. A missing login is",
    "created LOGIN SUPERUSER REPLICATION (backups need replication and the backup functions; relate needs",
    "superuser). The password is printed only with --show.",
    "Example: sudo -u postgres pgvault set-password --user pgvault"})
public class SetPasswordCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--user", paramLabel = "NAME", required = true, description = "The operator login.")
    String user;

    @Option(names = "--password", paramLabel = "PASSWORD", arity = "0..1", interactive = true,
            prompt = "New password: ",
            description = "The new password; without a value it is asked for; without the option one is generated. "
                    + "A value given here is visible in the process list: prefer the prompt or PGVAULT_PASSWORD.")
    char[] password;

    @Option(names = "--pgpass-file", paramLabel = "PATH",
            description = "pgpass file to store it in (default: $PGPASSFILE, else ~/.pgpass of the running user).")
    Path pgpassFile;

    @Option(names = "--show", description = "Print the password.")
    boolean show;

    @Override
    public Integer call() {
        try (CommandContext ctx = CommandContext.of(spec)) {
            Path file = pgpassFile != null ? pgpassFile : defaultPgpass();
            OperatorPassword.Result r = new OperatorPassword().set(ctx.connection(), user,
                    password == null ? null : new String(password), file.toAbsolutePath().normalize());
            if (ctx.json()) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("user", r.user());
                out.put("created", r.created());
                out.put("generated", r.generated());
                out.put("superuser", r.superuser());
                out.put("pgpassFile", r.pgpassFile().toString());
                if (show) {
                    out.put("password", r.password());
                }
                Output.printJson(out);
            } else {
                System.out.printf("password of %s %s%s; stored in %s (mode 0600)%n", r.user(),
                        r.generated() ? "generated" : "set",
                        r.created() ? " (login created: LOGIN SUPERUSER REPLICATION)" : "", r.pgpassFile());
                if (!r.superuser()) {
                    System.out.println("note: " + r.user() + " is not a superuser: relate needs one, and backups "
                            + "need REPLICATION and EXECUTE on the backup functions");
                }
                if (show) {
                    System.out.println("password: " + r.password());
                }
            }
            return 0;
        }
    }

    private static Path defaultPgpass() {
        String env = System.getenv("PGPASSFILE");
        return env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".pgpass");
    }
}
