package io.pgvault.core.crypt;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;

/** A passphrase held as characters; never printed ({@link #toString()} masks it). */
public final class Passphrase {

    private final char[] chars;

    private Passphrase(char[] chars) {
        this.chars = chars;
    }

    /**
     * @throws IllegalArgumentException when empty: an empty passphrase protects nothing
     */
    public static Passphrase of(String text) {
        Objects.requireNonNull(text, "text");
        String trimmed = text.strip();
        if (trimmed.isEmpty()) {
            throw new IllegalArgumentException("the encryption passphrase is empty");
        }
        return new Passphrase(trimmed.toCharArray());
    }

    /**
     * Reads a passphrase file (its whole content, surrounding white space removed). Like ssh with private keys,
     * refuses a file that group or others may read or write.
     *
     * @throws PgVaultException CONFIG naming the file and the fix
     */
    public static Passphrase readFile(Path file) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
                throw new PgVaultException(ErrorCode.CONFIG, "passphrase file " + file + " is accessible by group or"
                        + " others (" + PosixFilePermissions.toString(perms) + "); run chmod 600 " + file);
            }
            return of(Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            throw new PgVaultException(ErrorCode.CONFIG, "passphrase file " + file + " does not exist");
        } catch (IOException | UnsupportedOperationException e) {
            throw new PgVaultException(ErrorCode.CONFIG, "cannot read passphrase file " + file + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new PgVaultException(ErrorCode.CONFIG, "passphrase file " + file + " is empty");
        }
    }

    char[] chars() {
        return chars.clone();
    }

    public boolean sameAs(Passphrase other) {
        return other != null && Arrays.equals(chars, other.chars);
    }

    @Override
    public String toString() {
        return "Passphrase[****]";
    }
}
