package io.pgvault.cli.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTP/1.1 reverse proxy on 127.0.0.1 in front of a real storage server that spoils a set share of requests with a
 * fault drawn from a set, and counts them. Request heads go upstream unchanged (the Host header too, so signatures
 * still verify) except that every connection carries one request ({@code Connection: close}), so each request meets
 * its own fault. Faults are drawn from a seeded random, so a run can be repeated.
 */
public final class FaultInjectingProxy implements AutoCloseable {

    /** What happens to a spoiled request. */
    public enum Fault {
        /** The connection is reset as soon as the request's head arrived: the server never sees it. */
        RESET_BEFORE_BODY,
        /** The request is forwarded whole and answered by the server, then the connection is reset unanswered. */
        RESET_AFTER_BODY,
        /** Forwarded after a delay of {@link #DELAY_MILLIS}. */
        DELAY,
        /** Answered 500 without forwarding. */
        HTTP_500,
        /** Answered 503 without forwarding. */
        HTTP_503,
        /** Answered 429 (too many requests) without forwarding. */
        HTTP_429
    }

    static final int DELAY_MILLIS = 1500;

    private final int upstreamPort;
    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fault-proxy");
        t.setDaemon(true);
        return t;
    });
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final Map<Fault, AtomicLong> injected = new EnumMap<>(Fault.class);
    private final AtomicLong requests = new AtomicLong();
    private final Random random;
    private volatile double rate;
    private volatile List<Fault> faults = List.of();

    /** A proxy to 127.0.0.1:{@code upstreamPort}, faults drawn with {@code seed}; forwards everything until told. */
    public FaultInjectingProxy(int upstreamPort, long seed) throws IOException {
        this.upstreamPort = upstreamPort;
        this.random = new Random(seed);
        for (Fault f : Fault.values()) {
            injected.put(f, new AtomicLong());
        }
        this.server = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
        threads.submit(this::acceptLoop);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** From now on spoils each request with probability {@code rate} (0..1), with a fault drawn from {@code faults}. */
    public void inject(double rate, Fault... faults) {
        this.faults = List.of(faults);
        this.rate = rate;
    }

    /** Faults injected so far, per kind. */
    public synchronized Map<Fault, Long> injected() {
        Map<Fault, Long> copy = new EnumMap<>(Fault.class);
        injected.forEach((f, n) -> copy.put(f, n.get()));
        return copy;
    }

    /** Faults injected so far, in all. */
    public long injectedTotal() {
        return injected.values().stream().mapToLong(AtomicLong::get).sum();
    }

    /** Requests seen so far. */
    public long requests() {
        return requests.get();
    }

    private synchronized Fault draw() {
        List<Fault> set = faults;
        if (set.isEmpty() || random.nextDouble() >= rate) {
            return null;
        }
        Fault f = set.get(random.nextInt(set.size()));
        injected.get(f).incrementAndGet();
        return f;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                open.add(client);
                threads.submit(() -> handle(client));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void handle(Socket client) {
        try (client) {
            String head = readHead(client.getInputStream());
            if (head == null) {
                return;
            }
            requests.incrementAndGet();
            Fault fault = draw();
            if (fault == null) {
                forward(client, head, true);
                return;
            }
            switch (fault) {
                case RESET_BEFORE_BODY -> reset(client);
                case RESET_AFTER_BODY -> {
                    forward(client, head, false);
                    reset(client);
                }
                case DELAY -> {
                    Thread.sleep(DELAY_MILLIS);
                    forward(client, head, true);
                }
                case HTTP_500 -> answer(client, 500, "Internal Server Error");
                case HTTP_503 -> answer(client, 503, "Service Unavailable");
                case HTTP_429 -> answer(client, 429, "Too Many Requests");
                default -> throw new IllegalStateException(fault.name());
            }
        } catch (IOException | InterruptedException e) {
            // a side went away: faults are what this proxy is for
        } finally {
            open.remove(client);
        }
    }

    private static void reset(Socket client) throws IOException {
        client.setSoLinger(true, 0);
        client.close();
    }

    /** Reads up to the blank line that ends a request's head; null when the client closed first. */
    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int last4 = 0;
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            last4 = (last4 << 8) | b;
            if (last4 == 0x0d0a0d0a) {
                return head.toString(StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }

    private static void answer(Socket client, int status, String reason) throws IOException {
        byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>Injected" + status + "</Code><Message>"
                + "injected by the test proxy</Message></Error>").getBytes(StandardCharsets.UTF_8);
        OutputStream out = client.getOutputStream();
        out.write(("HTTP/1.1 " + status + " " + reason + "\r\nContent-Type: application/xml\r\nContent-Length: "
                + body.length + "\r\nRetry-After: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
        client.shutdownOutput();
        // let the client read the answer before the socket closes (closing with unread input would reset it)
        client.setSoTimeout(2000);
        try {
            client.getInputStream().transferTo(OutputStream.nullOutputStream());
        } catch (IOException ignored) {
            // timed out or reset: the answer was sent
        }
    }

    /** Sends the request upstream with its body; relays the answer to the client, or swallows it. */
    private void forward(Socket client, String head, boolean relay) throws IOException {
        try (Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort)) {
            open.add(upstream);
            StringBuilder rewritten = new StringBuilder();
            for (String line : head.split("\r\n")) {
                if (!line.toLowerCase(Locale.ROOT).startsWith("connection:")) {
                    rewritten.append(line).append("\r\n");
                }
            }
            rewritten.append("Connection: close\r\n\r\n");
            OutputStream toServer = upstream.getOutputStream();
            toServer.write(rewritten.toString().getBytes(StandardCharsets.ISO_8859_1));
            toServer.flush();
            threads.submit(() -> {
                try {
                    client.getInputStream().transferTo(toServer);
                } catch (IOException ignored) {
                    // one side closed
                }
            });
            upstream.getInputStream().transferTo(relay ? client.getOutputStream() : OutputStream.nullOutputStream());
            client.getOutputStream().flush();
        } finally {
            open.removeIf(Socket::isClosed);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : open) {
            socket.close();
        }
        threads.shutdownNow();
    }
}
