package io.pgvault.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.pgvault.core.repo.Json;
import java.time.Duration;
import java.util.Locale;

/** Formatting shared by the commands: sizes, durations, JSON. */
public final class Output {

    private Output() {
    }

    public static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    public static String duration(Duration d) {
        long s = d.toSeconds();
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }

    public static String rate(long bytes, Duration d) {
        double secs = Math.max(d.toMillis(), 1) / 1000.0;
        return bytes((long) (bytes / secs)) + "/s";
    }

    public static void printJson(Object value) {
        try {
            System.out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
