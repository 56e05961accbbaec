package io.pgvault.cli.commands;

import io.pgvault.cli.CommandContext;
import io.pgvault.cli.Output;
import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.relation.AppName;
import io.pgvault.core.relation.ClientReport;
import io.pgvault.core.relation.Credentials;
import io.pgvault.core.relation.CredentialsFormat;
import io.pgvault.core.relation.CredentialsText;
import io.pgvault.core.relation.Endpoint;
import io.pgvault.core.relation.EndpointOptions;
import io.pgvault.core.relation.Relation;
import io.pgvault.core.relation.RelationService;
import io.pgvault.core.relation.RelationSync;
import io.pgvault.core.relation.Sink;
import io.pgvault.core.relation.SyncOptions;
import io.pgvault.core.relation.SyncReport;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "relate", header = "Manage client applications' access (relations).", sortOptions = false, description = {
    "Client relations, kept in the repository so they survive the loss of the database host. Each client gets a",
    "login with a strong random password (or the username it asks for), its roles, its extensions in its database",
    "(created if missing). Objects are owned by the database's owner role pgvault_<db>_owner, which logins join and",
    "switch to on login. Credentials reach the client through its sink: a file (mode 0600) and an optional hook.",
    "Commands that touch the server refuse a standby and need a superuser login (--pg-user)."},
        subcommands = {RelateCommand.Add.class, RelateCommand.Remove.class, RelateCommand.Rotate.class,
            RelateCommand.ListRelations.class, RelateCommand.ShowCredentials.class, RelateCommand.Sync.class})
public class RelateCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** What clients are told about where the servers are. */
    static class EndpointMixin {
        @Option(names = "--client-host", paramLabel = "HOST",
                description = "Host clients use for the primary (default: --pg-host).")
        String clientHost;

        @Option(names = "--standby", paramLabel = "HOST:PORT",
                description = "Standbys to publish (comma-separated or repeated); each is published only while it "
                        + "streams from the primary. Default: every streaming standby at its address in "
                        + "pg_stat_replication and the primary's port.")
        List<String> standbys = new ArrayList<>();

        EndpointOptions options() {
            return new EndpointOptions(clientHost, commaList(standbys).stream().map(Endpoint::parse).toList());
        }
    }

    @Command(name = "add", header = "Relate a client application to the database.", sortOptions = false, description = {
        "Relate a client: create its login, roles, database and extensions, give it a fresh password, deliver the",
        "credentials to its sink, and register it in the repository.",
        "Example: pgvault relate add billing --database shop --roles reporting --extensions citext"})
    static class Add implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "APP", description = "The client's name: letters, digits, '_', '-', '.'.")
        String app;

        @Option(names = "--database", paramLabel = "DB", description = "Its database (default: the app name); "
                + "created if missing.")
        String database;

        @Option(names = "--roles", paramLabel = "ROLE,...", description = "Roles to grant, comma-separated "
                + "(created if missing).")
        List<String> roles = new ArrayList<>();

        @Option(names = "--extensions", paramLabel = "EXT,...",
                description = "Extensions to install in its database, comma-separated.")
        List<String> extensions = new ArrayList<>();

        @Option(names = "--admin", description = "Administrative access: the login is a SUPERUSER.")
        boolean admin;

        @Option(names = "--username", paramLabel = "NAME",
                description = "Login name to use (default: generated from the app name).")
        String username;

        @Option(names = "--sink-file", paramLabel = "PATH", description = "Credentials file, written mode 0600 "
                + "(default: ~/.pgvault/credentials/<cluster>/<app>.<format>).")
        Path sinkFile;

        @Option(names = "--sink-format", paramLabel = "FORMAT", defaultValue = "json",
                description = "json (default), env or pgpass.")
        String sinkFormat;

        @Option(names = "--hook", paramLabel = "CMD", description = "Command run (sh -c) whenever the credentials "
                + "change, with them in its environment (PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD, "
                + "DATABASE_URL, PGVAULT_*).")
        String hook;

        @Mixin
        EndpointMixin endpoints;

        @Override
        public Integer call() {
            try (CommandContext ctx = CommandContext.of(spec)) {
                AppName name = AppName.of(app);
                CredentialsFormat format = CredentialsFormat.parse(sinkFormat);
                Path file = sinkFile != null ? sinkFile.toAbsolutePath().normalize()
                        : Path.of(System.getProperty("user.home"), ".pgvault", "credentials",
                        ctx.repository().layout().cluster(), name + "." + format.fileExtension());
                Relation relation = Relation.request(name, database, username, commaList(roles),
                        commaList(extensions), admin, new Sink(file.toString(), format, hook), Instant.now());
                ClientReport r = new RelationService(ctx.repository()).add(ctx.connection(), relation,
                        endpoints.options());
                return printOne(ctx, r, "related");
            }
        }
    }

    @Command(name = "remove", header = "End a relation; the client's objects are kept.", description = {
        "End a relation: hand the login's objects to its database's owner role (nothing is lost), revoke its",
        "privileges, drop it, run the hook with PGVAULT_EVENT=removed, delete the credentials file, unregister it."})
    static class Remove implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "APP")
        String app;

        @Override
        public Integer call() {
            try (CommandContext ctx = CommandContext.of(spec)) {
                ClientReport r = new RelationService(ctx.repository()).remove(ctx.connection(), AppName.of(app));
                return printOne(ctx, r, "removed");
            }
        }
    }

    @Command(name = "rotate", header = "Give a client a new password and deliver it.", description = {
        "Give the client's login a new password and deliver it (the old one stops working at once)."})
    static class Rotate implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "APP")
        String app;

        @Mixin
        EndpointMixin endpoints;

        @Override
        public Integer call() {
            try (CommandContext ctx = CommandContext.of(spec)) {
                ClientReport r = new RelationService(ctx.repository()).rotate(ctx.connection(), AppName.of(app),
                        endpoints.options());
                return printOne(ctx, r, "rotated");
            }
        }
    }

    @Command(name = "list", header = "List the registered client relations.", description = "List the registered relations (reads the repository only).")
    static class ListRelations implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            try (CommandContext ctx = CommandContext.of(spec)) {
                List<Relation> relations = new RelationService(ctx.repository()).list();
                if (ctx.json()) {
                    Output.printJson(relations);
                } else if (relations.isEmpty()) {
                    System.out.println("no relations yet (pgvault relate add APP --database DB)");
                } else {
                    String fmt = "%-20s %-20s %-20s %-5s %-24s %-16s %s%n";
                    System.out.printf(fmt, "APP", "LOGIN", "DATABASE", "ADMIN", "ROLES", "EXTENSIONS", "SINK");
                    for (Relation r : relations) {
                        System.out.printf(fmt, r.app(), r.login(), r.database(), r.admin() ? "yes" : "no",
                                r.roles().isEmpty() ? "-" : String.join(",", r.roles()),
                                r.extensions().isEmpty() ? "-" : String.join(",", r.extensions()),
                                r.sink().file() + " (" + r.sink().format().label() + ")"
                                        + (r.sink().hook() == null ? "" : " + hook"));
                    }
                }
                return 0;
            }
        }
    }

    @Command(name = "credentials", header = "Print a client's current credentials.", description = {
        "Print a client's current credentials (the password its sink holds, checked against the server, and the",
        "endpoints as they are now)."})
    static class ShowCredentials implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "APP")
        String app;

        @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "json",
                description = "json (default), env, uri or pgpass.")
        String format;

        @Mixin
        EndpointMixin endpoints;

        @Override
        public Integer call() {
            try (CommandContext ctx = CommandContext.of(spec)) {
                CredentialsFormat f = CredentialsFormat.parse(format);
                Credentials c = new RelationService(ctx.repository()).credentials(ctx.connection(), AppName.of(app),
                        endpoints.options());
                System.out.print(CredentialsText.render(c, f));
                return 0;
            }
        }
    }

    @Command(name = "sync", header = "Re-apply every relation to the server (after a restore).", description = {
        "Re-apply every registered relation to the server (run it after a restore, once the server is promoted):",
        "create missing logins, rotate passwords (unless --keep-passwords), grant roles, ensure extensions, hand",
        "objects of logins to the owner role, drop logins of relations no longer registered, then deliver fresh",
        "credentials and the current endpoints to every client whose values changed. Safe to run again."})
    static class Sync implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--keep-passwords", description = "Keep each password its sink holds while it still "
                + "matches the server (default: rotate every password).")
        boolean keepPasswords;

        @Mixin
        EndpointMixin endpoints;

        @Override
        public Integer call() {
            try (CommandContext ctx = CommandContext.of(spec)) {
                SyncReport report = new RelationSync(ctx.repository()).sync(ctx.connection(),
                        SyncOptions.of(!keepPasswords, endpoints.options()));
                if (ctx.json()) {
                    Output.printJson(report);
                } else {
                    if (report.clients().isEmpty()) {
                        System.out.println("no relations to sync");
                    }
                    report.clients().stream().filter(c -> !c.failed()).forEach(c -> System.out.println(line(c)));
                    report.notes().forEach(n -> System.out.println("note: " + n));
                }
                report.clients().stream().filter(ClientReport::failed)
                        .forEach(c -> System.err.println("pgvault: " + c.app() + ": " + c.error()));
                return report.firstFailure().map(c -> c.errorCode().exitCode()).orElse(0);
            }
        }
    }

    /**
     * Splits comma-separated values on commas only: picocli's own splitting interprets quotes, and names are
     * validated (quotes refused) rather than unquoted.
     */
    static List<String> commaList(List<String> values) {
        List<String> out = new ArrayList<>();
        for (String v : values) {
            for (String part : v.split(",", -1)) {
                if (!part.isBlank()) {
                    out.add(part.strip());
                }
            }
        }
        return out;
    }

    static String line(ClientReport r) {
        List<String> parts = new ArrayList<>(r.changes());
        r.published().forEach(p -> parts.add("delivered to " + p));
        return r.app() + " (login " + r.login() + "): " + (parts.isEmpty() ? "unchanged" : String.join("; ", parts));
    }

    static int printOne(CommandContext ctx, ClientReport r, String verb) {
        if (r.failed()) {
            throw new PgVaultException(r.errorCode() == null ? ErrorCode.INTERNAL : r.errorCode(), r.error());
        }
        if (ctx.json()) {
            Output.printJson(r);
        } else {
            System.out.println(verb + " " + line(r));
        }
        return 0;
    }
}
