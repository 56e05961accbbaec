package io.pgvault.core.relation;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks a plaintext password against what pg_authid stores (a SCRAM-SHA-256 verifier or an md5 hash) without
 * logging in, so a password kept in a client's sink can be confirmed whatever pg_hba.conf allows. Passwords are
 * taken as UTF-8 without SASLprep: pgvault's own passwords are ASCII, for which SASLprep changes nothing.
 */
final class PasswordVerifier {

    private PasswordVerifier() {
    }

    /** True when {@code password} is the password behind {@code stored} (pg_authid.rolpassword) for {@code user}. */
    static boolean matches(String stored, String user, String password) {
        if (stored == null || password == null) {
            return false;
        }
        if (stored.startsWith("SCRAM-SHA-256$")) {
            return scramMatches(stored, password);
        }
        if (stored.startsWith("md5") && stored.length() == 35) {
            return MessageDigest.isEqual(stored.getBytes(StandardCharsets.US_ASCII),
                    ("md5" + md5Hex(password + user)).getBytes(StandardCharsets.US_ASCII));
        }
        return false;
    }

    /** SCRAM-SHA-256$iterations:salt$StoredKey:ServerKey (RFC 5802, as PostgreSQL stores it). */
    private static boolean scramMatches(String stored, String password) {
        String[] parts = stored.substring("SCRAM-SHA-256$".length()).split("[$:]");
        if (parts.length != 4) {
            return false;
        }
        try {
            int iterations = Integer.parseInt(parts[0]);
            byte[] salt = Base64.getDecoder().decode(parts[1]);
            byte[] storedKey = Base64.getDecoder().decode(parts[2]);
            SecretKeyFactory f = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256");
            byte[] salted = f.generateSecret(new PBEKeySpec(password.toCharArray(), salt, iterations, 256))
                    .getEncoded();
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(salted, "HmacSHA256"));
            byte[] clientKey = mac.doFinal("Client Key".getBytes(StandardCharsets.US_ASCII));
            byte[] computed = MessageDigest.getInstance("SHA-256").digest(clientKey);
            return MessageDigest.isEqual(computed, storedKey);
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            return false;
        }
    }

    private static String md5Hex(String s) {
        try {
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            return HexFormat.of().formatHex(md5.digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
