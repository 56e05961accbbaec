package io.pgvault.core.relation;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A libpq password file ({@code host:port:database:user:password} lines, first match wins). pgvault owns one line
 * per login it sets: {@code host:port:*:user}; every other line is kept as it was.
 */
public final class PgPassFile {

    private PgPassFile() {
    }

    /**
     * Sets the password of {@code user} on {@code at} for every database: replaces the matching
     * {@code host:port:*:user} line (dropping duplicates of it) or, when there is none, puts a new line first, where
     * it wins over wildcard lines. The file is rewritten with mode 0600.
     */
    public static void update(Path file, Endpoint at, String user, String password) {
        String line = CredentialsText.pgpassLine(at, "*", user, password);
        List<String> out = new ArrayList<>();
        boolean replaced = false;
        for (String existing : read(file)) {
            if (matches(existing, at, user)) {
                if (!replaced) {
                    out.add(line);
                    replaced = true;
                }
            } else {
                out.add(existing);
            }
        }
        if (!replaced) {
            out.add(0, line);
        }
        PrivateFile.write(file, String.join("\n", out) + "\n");
    }

    /** The password the file holds for exactly {@code host:port:*:user}, if any. */
    public static Optional<String> find(Path file, Endpoint at, String user) {
        return read(file).stream().filter(l -> matches(l, at, user)).findFirst()
                .flatMap(CredentialsText::pgpassFields).map(f -> f.get(4));
    }

    private static boolean matches(String line, Endpoint at, String user) {
        return CredentialsText.pgpassFields(line).map(f -> f.get(0).equals(at.host())
                && f.get(1).equals(Integer.toString(at.port())) && f.get(2).equals("*") && f.get(3).equals(user))
                .orElse(false);
    }

    private static List<String> read(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new PgVaultException(ErrorCode.LOCAL_IO, "cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
