package io.pgvault.storage.azure;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A small HTTP proxy on 127.0.0.1 in front of Azurite that spoils the first N requests (or all of them) and forwards
 * the rest. It serves one request per connection: each forwarded request is sent upstream with
 * {@code Connection: close}, so the client opens a new connection for the next one and faults stay per request.
 */
final class FaultInjectingProxy implements AutoCloseable {

    enum Fault {
        /** Close the connection with a TCP reset before answering. */
        RESET,
        /** Answer 503 Server Busy, as the service does when it throttles. */
        SERVER_BUSY,
        /** Read the request and never answer, until the client gives up. */
        STALL,
        /** Forward the request, so the server carries it out, then reset the connection instead of answering. */
        LOSE_ANSWER
    }

    private final ServerSocket server;
    private final InetSocketAddress upstream;
    private final String upstreamPath;
    private final ExecutorService connections = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fault-proxy");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger faultsLeft = new AtomicInteger();
    private final List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
    private volatile Fault fault = Fault.RESET;
    private volatile Predicate<String> spoiled = line -> true;

    FaultInjectingProxy(URI upstreamEndpoint) throws IOException {
        this.upstream = new InetSocketAddress(upstreamEndpoint.getHost(), upstreamEndpoint.getPort());
        this.upstreamPath = upstreamEndpoint.getPath();
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        connections.submit(this::acceptLoop);
    }

    /** The endpoint to give the adapter: same account path, the proxy's port. */
    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort() + upstreamPath);
    }

    /** Spoils the next {@code count} requests with {@code kind}; {@link Integer#MAX_VALUE} spoils every one. */
    void failNext(int count, Fault kind) {
        failNext(count, kind, line -> true);
    }

    /** As {@link #failNext(int, Fault)}, counting only requests whose line ("PUT /path?query") matches. */
    void failNext(int count, Fault kind, Predicate<String> requestLine) {
        fault = kind;
        spoiled = requestLine;
        faultsLeft.set(count);
    }

    /** Requests received since the last {@link #reset()}, spoiled or not. */
    int requests() {
        return requests.get();
    }

    /** Request lines ("METHOD path") received since the last {@link #reset()}. */
    List<String> requestLines() {
        return List.copyOf(seen);
    }

    void reset() {
        requests.set(0);
        faultsLeft.set(0);
        seen.clear();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                connections.submit(() -> serve(client));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            InputStream in = new BufferedInputStream(client.getInputStream());
            String head = readHead(in);
            if (head == null) {
                return;
            }
            byte[] body = in.readNBytes(contentLength(head));
            requests.incrementAndGet();
            String line = head.substring(0, head.indexOf(" HTTP/"));
            seen.add(line);
            boolean spoil = spoiled.test(line)
                    && faultsLeft.getAndUpdate(n -> n == Integer.MAX_VALUE ? n : Math.max(0, n - 1)) > 0;
            if (spoil && fault != Fault.LOSE_ANSWER) {
                spoil(client);
                return;
            }
            try (Socket server = new Socket()) {
                server.connect(upstream, 5000);
                OutputStream up = server.getOutputStream();
                up.write(withConnectionClose(head).getBytes(StandardCharsets.ISO_8859_1));
                up.write(body);
                up.flush();
                if (spoil) {
                    server.getInputStream().transferTo(OutputStream.nullOutputStream());
                    client.setSoLinger(true, 0);
                    return;
                }
                server.getInputStream().transferTo(client.getOutputStream());
            }
        } catch (IOException e) {
            // the client gave up (a timeout test) or the upstream closed early; nothing to report
        }
    }

    private void spoil(Socket client) throws IOException {
        switch (fault) {
            case RESET -> {
                client.setSoLinger(true, 0);
                client.close();
            }
            case SERVER_BUSY -> {
                String answer = "HTTP/1.1 503 Service Unavailable\r\nx-ms-error-code: ServerBusy\r\n"
                        + "Content-Length: 0\r\nConnection: close\r\n\r\n";
                client.getOutputStream().write(answer.getBytes(StandardCharsets.ISO_8859_1));
                client.getOutputStream().flush();
            }
            case STALL -> {
                client.setSoTimeout(30_000);
                client.getInputStream().read(); // until the client closes the connection
            }
            default -> throw new IllegalStateException("not spoiled before forwarding: " + fault);
        }
    }

    /** The request line and headers up to the blank line, or null at end of stream. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        int b;
        while ((b = in.read()) != -1) {
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == 4) {
                return head.toString(StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            String lower = line.toLowerCase(Locale.ROOT);
            if (lower.startsWith("transfer-encoding:")) {
                throw new IllegalStateException("chunked requests are not supported by this test proxy");
            }
            if (lower.startsWith("content-length:")) {
                return Integer.parseInt(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        return 0;
    }

    /** Drops hop-by-hop headers (including an h2c upgrade offer) and asks the server to close after answering. */
    private static String withConnectionClose(String head) {
        StringBuilder out = new StringBuilder();
        for (String line : head.split("\r\n")) {
            String lower = line.toLowerCase(Locale.ROOT);
            if (lower.startsWith("connection:") || lower.startsWith("upgrade:") || lower.startsWith("http2-settings:")
                    || lower.startsWith("keep-alive:")) {
                continue;
            }
            out.append(line).append("\r\n");
        }
        return out.append("Connection: close\r\n\r\n").toString();
    }

    @Override
    public void close() throws IOException {
        server.close();
        connections.shutdownNow();
    }
}
