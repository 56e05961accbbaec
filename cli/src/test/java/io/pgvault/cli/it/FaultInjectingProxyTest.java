package io.pgvault.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.pgvault.cli.it.FaultInjectingProxy.Fault;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The test proxy itself, against a JDK HTTP server: what each fault does to a PUT, and that faults are counted. */
class FaultInjectingProxyTest {

    private HttpServer upstream;
    private final List<String> received = new CopyOnWriteArrayList<>();
    private FaultInjectingProxy proxy;

    @BeforeEach
    void start() throws IOException {
        upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        upstream.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            received.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " "
                    + exchange.getRequestHeaders().getFirst("Host") + " " + new String(body, StandardCharsets.UTF_8));
            byte[] answer = ("got " + body.length).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(201, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        });
        upstream.start();
        proxy = new FaultInjectingProxy(upstream.getAddress().getPort(), 42);
    }

    @AfterEach
    void stop() throws IOException {
        proxy.close();
        upstream.stop(0);
    }

    /** One PUT on a connection of its own, by hand: HttpURLConnection would silently retry a reset PUT. */
    private int put(String path, String body) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
            s.setSoTimeout(5000);
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            OutputStream out = s.getOutputStream();
            out.write(("PUT " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + proxy.port() + "\r\nContent-Length: "
                    + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(bytes);
            out.flush();
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            if (!answer.startsWith("HTTP/1.1 ")) {
                throw new IOException("no answer: '" + answer + "'");
            }
            return Integer.parseInt(answer.substring(9, 12));
        }
    }

    @Test
    void forwardsUnchangedWithoutFaultsKeepingTheHostHeader() throws IOException {
        assertThat(put("/a/b?x=1", "hello")).isEqualTo(201);
        assertThat(received).containsExactly("PUT /a/b?x=1 127.0.0.1:" + proxy.port() + " hello");
        assertThat(proxy.requests()).isEqualTo(1);
        assertThat(proxy.injectedTotal()).isZero();
    }

    @Test
    void answersErrorsWithoutForwarding() throws IOException {
        proxy.inject(1.0, Fault.HTTP_503);
        assertThat(put("/x", "body")).isEqualTo(503);
        proxy.inject(1.0, Fault.HTTP_500);
        assertThat(put("/x", "body")).isEqualTo(500);
        proxy.inject(1.0, Fault.HTTP_429);
        assertThat(put("/x", "body")).isEqualTo(429);
        assertThat(received).isEmpty();
        assertThat(proxy.injected()).containsEntry(Fault.HTTP_503, 1L).containsEntry(Fault.HTTP_500, 1L)
                .containsEntry(Fault.HTTP_429, 1L);
    }

    @Test
    void resetBeforeTheBodyNeverReachesTheServer() {
        proxy.inject(1.0, Fault.RESET_BEFORE_BODY);
        assertThatThrownBy(() -> put("/x", "body")).isInstanceOf(IOException.class);
        assertThat(received).isEmpty();
        assertThat(proxy.injected()).containsEntry(Fault.RESET_BEFORE_BODY, 1L);
    }

    @Test
    void resetAfterTheBodyReachesTheServerButNotTheAnswer() {
        proxy.inject(1.0, Fault.RESET_AFTER_BODY);
        assertThatThrownBy(() -> put("/y", "payload")).isInstanceOf(IOException.class);
        assertThat(received).containsExactly("PUT /y 127.0.0.1:" + proxy.port() + " payload");
    }

    @Test
    void delaysThenForwards() throws IOException {
        proxy.inject(1.0, Fault.DELAY);
        long start = System.nanoTime();
        assertThat(put("/z", "slow")).isEqualTo(201);
        assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(FaultInjectingProxy.DELAY_MILLIS);
        assertThat(received).hasSize(1);
    }

    @Test
    void spoilsAboutTheSetShareOfRequests() throws IOException {
        proxy.inject(0.1, Fault.HTTP_503);
        int failed = 0;
        for (int i = 0; i < 200; i++) {
            if (put("/r" + i, "x") == 503) {
                failed++;
            }
        }
        assertThat(failed).isEqualTo((int) proxy.injectedTotal()).isBetween(8, 35);
        assertThat(received).hasSize(200 - failed);
    }
}
