package io.pgvault.storage.swift;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A small HTTP proxy on 127.0.0.1 in front of the real Swift proxy server that spoils chosen requests: it resets the
 * connection, answers 503, or forwards but cuts the answer short. It asks the server to close every connection after
 * its answer, so each request has a connection of its own and "the next N requests" is exact.
 */
final class FaultProxy implements AutoCloseable {

    enum Fault {
        /** Forward unchanged. */
        NONE,
        /** Reset the connection once the request's head has arrived. */
        RESET,
        /** Answer 503 without forwarding. */
        UNAVAILABLE,
        /** Forward, then cut the connection after 100 KiB of the answer. */
        CUT,
        /** Forward, then stop sending after 100 KiB of the answer, holding the connection open. */
        STALL
    }

    private static final int CUT_AFTER = 100 << 10;

    private final int upstreamPort;
    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "swift-fault-proxy");
        t.setDaemon(true);
        return t;
    });
    private final Queue<Fault> planned = new ConcurrentLinkedQueue<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<String> spoiled = new CopyOnWriteArrayList<>();
    private volatile Fault always = Fault.NONE;

    FaultProxy(int upstreamPort) throws IOException {
        this.upstreamPort = upstreamPort;
        this.server = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
        threads.submit(this::acceptLoop);
    }

    int port() {
        return server.getLocalPort();
    }

    /** The next {@code count} requests get {@code fault}, then requests pass again. */
    void failNext(int count, Fault fault) {
        for (int i = 0; i < count; i++) {
            planned.add(fault);
        }
    }

    /** Every request gets {@code fault} until {@link #heal()}. */
    void failAll(Fault fault) {
        always = fault;
    }

    void heal() {
        always = Fault.NONE;
        planned.clear();
    }

    /** "METHOD /path" of every request seen. */
    List<String> requests() {
        return requests;
    }

    /** The requests that were spoiled. */
    List<String> spoiled() {
        return spoiled;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                threads.submit(() -> serve(client));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            InputStream in = client.getInputStream();
            String head = readHead(in);
            if (head == null) {
                return;
            }
            String requestLine = head.substring(0, head.indexOf("\r\n"));
            String request = requestLine.substring(0, requestLine.lastIndexOf(' '));
            requests.add(request);
            Fault plannedFault = planned.poll();
            Fault fault = plannedFault != null ? plannedFault : always;
            if (fault != Fault.NONE) {
                spoiled.add(request);
            }
            long length = contentLength(head);
            switch (fault) {
                case RESET -> {
                    client.setSoLinger(true, 0);
                    return;
                }
                case UNAVAILABLE -> {
                    in.skipNBytes(length);
                    client.getOutputStream().write(("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                            + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    return;
                }
                default -> forward(client, head, length, fault);
            }
        } catch (IOException e) {
            // the client gave up or was reset on purpose
        }
    }

    private void forward(Socket client, String head, long length, Fault fault) throws IOException {
        try (Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort)) {
            OutputStream toServer = upstream.getOutputStream();
            toServer.write(closing(head).getBytes(StandardCharsets.ISO_8859_1));
            copy(client.getInputStream(), toServer, length);
            toServer.flush();
            InputStream fromServer = upstream.getInputStream();
            OutputStream toClient = client.getOutputStream();
            byte[] buffer = new byte[16 << 10];
            long sent = 0;
            for (int n; (n = fromServer.read(buffer)) > 0; ) {
                if (fault != Fault.NONE && sent + n > CUT_AFTER) {
                    toClient.write(buffer, 0, (int) (CUT_AFTER - sent));
                    toClient.flush();
                    if (fault == Fault.STALL) {
                        client.setSoTimeout(60_000);
                        client.getInputStream().read(); // until the client gives up and closes
                    }
                    client.setSoLinger(true, 0);
                    return;
                }
                toClient.write(buffer, 0, n);
                sent += n;
            }
            toClient.flush();
        }
    }

    /** The head with "Connection: close", so that the server ends the connection after its answer. */
    private static String closing(String head) {
        StringBuilder out = new StringBuilder();
        for (String line : head.split("\r\n")) {
            if (!line.isEmpty() && !line.toLowerCase(Locale.ROOT).startsWith("connection:")) {
                out.append(line).append("\r\n");
            }
        }
        return out.append("Connection: close\r\n\r\n").toString();
    }

    private static long contentLength(String head) {
        for (String line : head.split("\r\n")) {
            String lower = line.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
            if (lower.startsWith("transfer-encoding:")) {
                throw new IllegalStateException("the test proxy does not handle chunked request bodies");
            }
        }
        return 0;
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        for (int b; (b = in.read()) >= 0; ) {
            head.write(b);
            matched = (b == '\r' && matched % 2 == 0) || (b == '\n' && matched % 2 == 1) ? matched + 1 : 0;
            if (matched == 4) {
                return head.toString(StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }

    private static void copy(InputStream in, OutputStream out, long length) throws IOException {
        byte[] buffer = new byte[16 << 10];
        for (long left = length; left > 0; ) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                throw new IOException("request body ended early");
            }
            out.write(buffer, 0, n);
            left -= n;
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        threads.shutdownNow();
    }
}
