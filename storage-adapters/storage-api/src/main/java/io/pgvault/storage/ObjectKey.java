package io.pgvault.storage;

/**
 * Rules for object keys, shared by every adapter: relative, '/'-separated, no empty, '.' or '..' segments, no
 * backslashes or control characters. Keys that break these rules are refused before any request is made, so a
 * hostile name (a WAL name with {@code ../}) can never escape the repository.
 */
public final class ObjectKey {

    private ObjectKey() {
    }

    /**
     * Returns the key unchanged when valid.
     *
     * @throws IllegalArgumentException naming the key and the rule it breaks
     */
    public static String check(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("empty object key");
        }
        if (key.startsWith("/") || key.endsWith("/")) {
            throw new IllegalArgumentException("object key must not start or end with '/': " + key);
        }
        if (key.length() > 1024) {
            throw new IllegalArgumentException("object key longer than 1024 characters: " + key.substring(0, 64) + "...");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\\') {
                throw new IllegalArgumentException("object key has a forbidden character: " + key);
            }
        }
        for (String segment : key.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("object key has an empty, '.' or '..' segment: " + key);
            }
        }
        return key;
    }

    /** Checks a listing prefix: empty, or a key-like string that may end with '/'. */
    public static String checkPrefix(String prefix) {
        if (prefix == null || prefix.isEmpty()) {
            return "";
        }
        String trimmed = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        check(trimmed);
        return prefix;
    }
}
