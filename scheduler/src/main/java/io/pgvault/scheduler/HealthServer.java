package io.pgvault.scheduler;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.repo.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The agent's HTTP endpoints, on a loopback address by default: {@code /metrics} (Prometheus text format),
 * {@code /status} (the agent status as JSON, as {@code pgvault status --json} shows it) and {@code /health}
 * (200 when the agent runs and no job's latest run failed, else 503 with the reasons; JSON). GET and HEAD only.
 */
public final class HealthServer implements AutoCloseable {

    private final HttpServer server;

    /**
     * Starts serving.
     *
     * @throws PgVaultException CONFIG naming the address when it cannot be bound
     */
    public HealthServer(String address, int port, AgentMetrics metrics, Supplier<AgentStatus> status) {
        try {
            InetSocketAddress bind = new InetSocketAddress(InetAddress.getByName(address), port);
            server = HttpServer.create(bind, 16);
        } catch (IOException e) {
            throw new PgVaultException(ErrorCode.CONFIG, "cannot listen on " + address + ":" + port + " ("
                    + e.getMessage() + "); choose another --http-port, or 0 to turn the endpoint off", e);
        }
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "pgvault-http");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/metrics", ex -> answer(ex, 200, "text/plain; version=0.0.4; charset=utf-8",
                metrics::scrape));
        server.createContext("/status", ex -> answer(ex, 200, "application/json",
                () -> json(status.get())));
        server.createContext("/health", ex -> {
            List<String> problems = problems(status.get());
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", problems.isEmpty() ? "ok" : "failing");
            body.put("problems", problems);
            answer(ex, problems.isEmpty() ? 200 : 503, "application/json", () -> json(body));
        });
        server.start();
    }

    /** The port actually bound (useful with port 0 in tests). */
    public int port() {
        return server.getAddress().getPort();
    }

    static List<String> problems(AgentStatus s) {
        List<String> problems = new ArrayList<>();
        if (s.stopped() != null) {
            problems.add("the agent stopped at " + s.stopped());
        }
        for (AgentStatus.JobStatus j : s.jobs()) {
            if (j.lastRun() != null && AgentStatus.JobRun.FAILED.equals(j.lastRun().result())) {
                problems.add(j.name() + " failed at " + j.lastRun().finished() + ": " + j.lastRun().message());
            }
        }
        return problems;
    }

    private static String json(Object value) {
        try {
            return Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(value) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private interface Body {
        String get() throws IOException;
    }

    private static void answer(HttpExchange ex, int status, String type, Body body) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            if (!"GET".equals(method) && !"HEAD".equals(method)) {
                ex.getResponseHeaders().set("Allow", "GET, HEAD");
                ex.sendResponseHeaders(405, -1);
                return;
            }
            byte[] bytes;
            int code = status;
            try {
                bytes = body.get().getBytes(StandardCharsets.UTF_8);
            } catch (RuntimeException | IOException e) {
                code = 500;
                type = "text/plain; charset=utf-8";
                bytes = ("error: " + e.getMessage() + "\n").getBytes(StandardCharsets.UTF_8);
            }
            ex.getResponseHeaders().set("Content-Type", type);
            if ("HEAD".equals(method)) {
                ex.sendResponseHeaders(code, -1);
                return;
            }
            ex.sendResponseHeaders(code, bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
