package io.pgvault.storage.s3;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A TCP proxy on 127.0.0.1 in front of the real S3 server that spoils chosen requests: it resets the connection,
 * answers 503 SlowDown, never answers, or cuts the response short. Every request gets its own connection (the proxy
 * asks the server to close after answering), so "the next N requests" is exact and requests can be counted.
 */
final class FaultyProxy implements AutoCloseable {

    enum Fault {
        /** Forward the request unchanged. */
        NONE,
        /** Reset the connection once the request's head has arrived. */
        RESET,
        /** Answer 503 SlowDown without forwarding. */
        SLOW_DOWN,
        /** Never answer: the client's timeout must fire. */
        STALL,
        /** Forward, but cut the connection after the first 4 KiB of the response. */
        TRUNCATE
    }

    private static final byte[] SLOW_DOWN_BODY = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown"
            + "</Code><Message>Please reduce your request rate.</Message></Error>").getBytes(StandardCharsets.UTF_8);

    private final URI upstream;
    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "faulty-proxy");
        t.setDaemon(true);
        return t;
    });
    private final Queue<Fault> planned = new ConcurrentLinkedQueue<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private volatile Fault always = Fault.NONE;

    FaultyProxy(URI upstream) throws IOException {
        this.upstream = upstream;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.submit(this::acceptLoop);
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    /** Spoils the next requests, one fault each, in order. */
    void plan(Fault... faults) {
        planned.addAll(List.of(faults));
    }

    /** Spoils every request from now on (NONE to stop). */
    void always(Fault fault) {
        always = fault;
    }

    /** Request lines seen so far, e.g. "PUT /bucket/key HTTP/1.1". */
    List<String> requests() {
        return List.copyOf(requests);
    }

    void reset() {
        planned.clear();
        always = Fault.NONE;
        requests.clear();
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
            InputStream in = client.getInputStream();
            String head = readHead(in);
            if (head == null) {
                return;
            }
            requests.add(head.substring(0, head.indexOf("\r\n")));
            Fault fault = planned.poll();
            switch (fault == null ? always : fault) {
                case RESET -> {
                    client.setSoLinger(true, 0);
                    client.close();
                }
                case SLOW_DOWN -> slowDown(client);
                case STALL -> in.transferTo(OutputStream.nullOutputStream());
                case TRUNCATE -> forward(client, head, 4096);
                case NONE -> forward(client, head, Long.MAX_VALUE);
                default -> throw new IllegalStateException();
            }
        } catch (IOException e) {
            // the client or the server went away: that is what this proxy is for
        } finally {
            open.remove(client);
        }
    }

    /** Reads up to the blank line that ends a request's head; null when the client closed first. */
    private static String readHead(InputStream in) throws IOException {
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

    private static void slowDown(Socket client) throws IOException {
        OutputStream out = client.getOutputStream();
        out.write(("HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: "
                + SLOW_DOWN_BODY.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.write(SLOW_DOWN_BODY);
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

    private void forward(Socket client, String head, long responseLimit) throws IOException {
        try (Socket server = new Socket(upstream.getHost(), upstream.getPort())) {
            open.add(server);
            StringBuilder rewritten = new StringBuilder();
            for (String line : head.split("\r\n")) {
                if (!line.toLowerCase(java.util.Locale.ROOT).startsWith("connection:")) {
                    rewritten.append(line).append("\r\n");
                }
            }
            rewritten.append("Connection: close\r\n\r\n");
            OutputStream toServer = server.getOutputStream();
            toServer.write(rewritten.toString().getBytes(StandardCharsets.ISO_8859_1));
            toServer.flush();
            threads.submit(() -> {
                try {
                    client.getInputStream().transferTo(toServer);
                } catch (IOException ignored) {
                    // one side closed
                }
            });
            InputStream fromServer = server.getInputStream();
            OutputStream toClient = client.getOutputStream();
            byte[] buffer = new byte[8192];
            long sent = 0;
            int n;
            while (sent < responseLimit && (n = fromServer.read(buffer, 0,
                    (int) Math.min(buffer.length, responseLimit - sent))) >= 0) {
                toClient.write(buffer, 0, n);
                sent += n;
            }
            toClient.flush();
            if (sent >= responseLimit) {
                client.setSoLinger(true, 0); // cut: reset rather than a clean end of stream
            }
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
