package io.pgvault.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WalArchiverTest {

    @TempDir
    Path dir;

    private Path pgdata;
    private Path status;
    private Path spool;
    private final List<String> events = Collections.synchronizedList(new ArrayList<>());
    private final List<String> pushes = Collections.synchronizedList(new ArrayList<>());
    private WalArchiver archiver;

    @BeforeEach
    void layout() throws IOException {
        pgdata = dir.resolve("pgdata");
        status = pgdata.resolve("pg_wal/archive_status");
        Files.createDirectories(status);
        spool = dir.resolve("spool");
    }

    @AfterEach
    void stop() {
        if (archiver != null) {
            archiver.stop(Duration.ofSeconds(5));
        }
    }

    private void ready(String name) throws IOException {
        Files.writeString(pgdata.resolve("pg_wal").resolve(name), "wal " + name);
        Files.writeString(status.resolve(name + ".ready"), "");
    }

    private void done(String name) throws IOException {
        Files.move(status.resolve(name + ".ready"), status.resolve(name + ".done"));
    }

    private WalArchiver start(WalArchiver.Push push, int parallel) {
        archiver = new WalArchiver(pgdata, spool, push, parallel, Duration.ofMillis(20), events::add);
        archiver.start();
        return archiver;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    private String ok(String name) {
        try {
            return Files.readString(spool.resolve(name + ".ok"));
        } catch (IOException e) {
            return null;
        }
    }

    @Test
    void okIsWrittenOnlyAfterThePushReturnedAndNamesTheFile() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        start(file -> {
            pushes.add(file.getFileName().toString());
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, 2);
        assertThat(Files.readString(spool.resolve("agent.pid")).strip())
                .isEqualTo(Long.toString(ProcessHandle.current().pid()));
        ready("000000010000000000000001");
        await("push started", () -> pushes.size() == 1);
        Thread.sleep(200);
        assertThat(spool.resolve("000000010000000000000001.ok")).doesNotExist();
        release.countDown();
        await("ok written", () -> ok("000000010000000000000001") != null);
        Path wal = pgdata.resolve("pg_wal/000000010000000000000001");
        String ok = ok("000000010000000000000001").strip();
        assertThat(ok).isEqualTo(WalArchiver.identity(wal));
        long inode = (Long) Files.getAttribute(wal, "unix:ino");
        assertThat(ok).isEqualTo(Files.size(wal) + " " + Files.getLastModifiedTime(wal).to(TimeUnit.SECONDS) + " "
                + inode);
        assertThat(archiver.snapshot().pushed()).isEqualTo(1);
        assertThat(archiver.snapshot().lastPushed()).isEqualTo("000000010000000000000001");
        Thread.sleep(200);
        assertThat(pushes).as("a file with a matching .ok is not pushed again").hasSize(1);
    }

    @Test
    void identityChangesWithTheFile() throws Exception {
        Path f = dir.resolve("f");
        Files.writeString(f, "abc");
        String before = WalArchiver.identity(f);
        Files.setLastModifiedTime(f, FileTime.fromMillis(System.currentTimeMillis() - 5000));
        assertThat(WalArchiver.identity(f)).isNotEqualTo(before);
        Files.delete(f);
        Files.writeString(f, "abcd");
        assertThat(WalArchiver.identity(f)).isNotEqualTo(before);
    }

    @Test
    void pushesInParallelOldestFirstAndForgetsWhatPostgresFinished() throws Exception {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        for (int i = 1; i <= 8; i++) {
            ready(String.format("0000000100000000000000%02X", i));
        }
        start(file -> {
            most.accumulateAndGet(running.incrementAndGet(), Math::max);
            pushes.add(file.getFileName().toString());
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            running.decrementAndGet();
        }, 3);
        await("all pushed", () -> archiver.snapshot().pushed() == 8);
        assertThat(most.get()).isBetween(2, 3);
        assertThat(pushes.subList(0, 3)).containsExactlyInAnyOrder("000000010000000000000001",
                "000000010000000000000002", "000000010000000000000003");
        done("000000010000000000000001");
        await(".ok of a .done file removed", () -> ok("000000010000000000000001") == null);
        assertThat(ok("000000010000000000000002")).isNotNull();
    }

    @Test
    void failedPushLeavesAnErrorAndIsRetried() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        ready("000000010000000000000001");
        start(file -> {
            attempts.incrementAndGet();
            throw new PgVaultException(ErrorCode.WAL_CONFLICT, "WAL file 000000010000000000000001 is already "
                    + "archived with different content");
        }, 1);
        await("error written", () -> Files.exists(spool.resolve("000000010000000000000001.error")));
        assertThat(Files.readString(spool.resolve("000000010000000000000001.error")))
                .contains("already archived with different content");
        assertThat(spool.resolve("000000010000000000000001.ok")).doesNotExist();
        Thread.sleep(300);
        assertThat(attempts.get()).as("not retried before " + WalArchiver.RETRY_AFTER).isEqualTo(1);
        assertThat(archiver.snapshot().failures()).isEqualTo(1);
        assertThat(events).anyMatch(e -> e.startsWith("archiving 000000010000000000000001 failed"));
    }

    @Test
    void otherFilesInArchiveStatusAreIgnored() throws Exception {
        Set<String> seen = ConcurrentHashMap.newKeySet();
        Files.writeString(status.resolve("not-wal.ready"), "");
        ready("00000002.history");
        start(file -> seen.add(file.getFileName().toString()), 1);
        await("history pushed", () -> seen.contains("00000002.history"));
        Thread.sleep(100);
        assertThat(seen).containsExactly("00000002.history");
    }

    @Test
    void stopRemovesThePidFileAndWaitsForPushesInProgress() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        ready("000000010000000000000001");
        start(file -> {
            started.countDown();
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, 1);
        started.await(10, TimeUnit.SECONDS);
        archiver.stop(Duration.ofSeconds(5));
        assertThat(spool.resolve("agent.pid")).doesNotExist();
        assertThat(ok("000000010000000000000001")).isNotNull();
    }

    @Test
    void missingArchiveStatusIsAConfigurationError() {
        WalArchiver wrong = new WalArchiver(dir.resolve("nowhere"), spool, f -> { }, 1, Duration.ofMillis(20),
                events::add);
        org.assertj.core.api.Assertions.assertThatThrownBy(wrong::start)
                .hasMessageContaining("pg_wal/archive_status does not exist")
                .satisfies(e -> assertThat(((PgVaultException) e).code()).isEqualTo(ErrorCode.CONFIG));
    }
}
