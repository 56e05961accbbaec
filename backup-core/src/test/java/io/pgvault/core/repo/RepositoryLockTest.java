package io.pgvault.core.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.repo.RepositoryLock.Contender;
import io.pgvault.core.repo.RepositoryLock.Holder;
import io.pgvault.storage.InMemoryStorage;
import io.pgvault.storage.ObjectInfo;
import io.pgvault.storage.ObjectWriter;
import io.pgvault.storage.WriteMode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RepositoryLockTest {

    private static final String KEY = RepositoryLock.key(new RepositoryLayout("main"), RepositoryLock.BACKUP);

    private final InMemoryStorage storage = new InMemoryStorage();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-20T01:00:00Z"));
    private final List<RepositoryLock> held = new ArrayList<>();

    @AfterEach
    void releaseAll() {
        held.forEach(RepositoryLock::close);
    }

    /** A clock tests move by hand. */
    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    /** This process, as seen from the given host, with a short poll and a lease of a minute. */
    private Contender on(String host, Clock clk) {
        Contender self = Contender.current();
        return new Contender(host, self.bootId(), self.pid(), self.processStart(), clk, Duration.ofMinutes(1),
                Duration.ofSeconds(15), Duration.ofMillis(20));
    }

    private Contender here() {
        return on(Contender.current().host(), clock);
    }

    private RepositoryLock take(Duration wait, Contender c) {
        RepositoryLock lock = RepositoryLock.acquire(storage, KEY, wait, c);
        held.add(lock);
        return lock;
    }

    private void put(String key, Holder h) {
        try (ObjectWriter w = storage.write(key, WriteMode.OVERWRITE)) {
            w.write(io.pgvault.core.repo.Json.mapper().writeValueAsBytes(h));
            w.commit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Holder holder(String host, long pid, Instant processStart, Instant since, Duration lease) {
        return new Holder(host, Contender.current().bootId(), pid, processStart, "backup", "token-" + pid + host,
                since, since, since.plus(lease), "test");
    }

    private List<String> keys() {
        try (Stream<ObjectInfo> s = storage.list("main/locks/")) {
            return s.map(ObjectInfo::key).toList();
        }
    }

    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        long pid = p.pid();
        assertThat(ProcessHandle.of(pid)).isEmpty();
        return pid;
    }

    @Test
    void secondContenderIsRefusedWithTheHolderNamed() {
        RepositoryLock first = take(Duration.ZERO, here());
        Holder h = first.holder();
        assertThat(RepositoryLock.read(storage, KEY)).contains(h);

        assertThatThrownBy(() -> take(Duration.ZERO, here()))
                .isInstanceOf(PgVaultException.class)
                .satisfies(e -> assertThat(((PgVaultException) e).code()).isEqualTo(ErrorCode.LOCKED))
                .hasMessageContaining("cluster 'main' is locked by another backup")
                .hasMessageContaining("host " + h.host() + " pid " + ProcessHandle.current().pid())
                .hasMessageContaining("since 2026-11-20T01:00:00Z")
                .hasMessageContaining("--lock-wait");
        assertThat(RepositoryLock.read(storage, KEY)).contains(h);
    }

    @Test
    void releaseDeletesTheLockAndIsIdempotent() {
        RepositoryLock lock = take(Duration.ZERO, here());
        assertThat(keys()).containsExactly(KEY);
        lock.close();
        lock.close();
        assertThat(keys()).isEmpty();
        RepositoryLock again = take(Duration.ZERO, here());
        assertThat(again.holder().token()).isNotEqualTo(lock.holder().token());
    }

    @Test
    void waiterGetsTheLockOnceItIsReleased() throws Exception {
        Contender real = on(Contender.current().host(), Clock.systemUTC());
        RepositoryLock first = take(Duration.ZERO, real);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            long started = System.nanoTime();
            Future<RepositoryLock> waiter = pool.submit(() -> RepositoryLock.acquire(storage, KEY,
                    Duration.ofSeconds(20), real));
            Thread.sleep(300);
            assertThat(waiter).isNotDone();
            first.close();
            RepositoryLock second = waiter.get(10, TimeUnit.SECONDS);
            held.add(second);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
            assertThat(RepositoryLock.read(storage, KEY).orElseThrow().token()).isEqualTo(second.holder().token());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void waiterGivesUpAfterItsWait() {
        take(Duration.ZERO, here());
        Contender real = on(Contender.current().host(), Clock.systemUTC());
        long started = System.nanoTime();
        assertThatThrownBy(() -> take(Duration.ofSeconds(1), real))
                .hasMessageContaining("after waiting 1s");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void exactlyOneOfManyRacingContendersWins() throws Exception {
        int n = 8;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<RepositoryLock>> tries = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                tries.add(pool.submit(() -> {
                    go.await();
                    return RepositoryLock.acquire(storage, KEY, Duration.ZERO, here());
                }));
            }
            go.countDown();
            int won = 0;
            for (Future<RepositoryLock> f : tries) {
                try {
                    held.add(f.get(10, TimeUnit.SECONDS));
                    won++;
                } catch (java.util.concurrent.ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(PgVaultException.class);
                    assertThat(((PgVaultException) e.getCause()).code()).isEqualTo(ErrorCode.LOCKED);
                }
            }
            assertThat(won).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void lockOfADeadProcessOnThisHostIsBrokenAtOnce() throws Exception {
        Contender me = here();
        // its lease has hours to run: on the same machine a dead pid is enough
        put(KEY, holder(me.host(), deadPid(), Instant.now(), clock.instant(), Duration.ofHours(5)));
        RepositoryLock lock = take(Duration.ZERO, me);
        assertThat(lock.holder().pid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(keys()).containsExactly(KEY);
    }

    @Test
    void reusedPidIsTakenForADeadHolder() {
        Contender me = here();
        Instant otherStart = me.processStart().minus(Duration.ofHours(3));
        put(KEY, holder(me.host(), me.pid(), otherStart, clock.instant(), Duration.ofHours(5)));
        assertThat(take(Duration.ZERO, me).holder().processStart()).isEqualTo(me.processStart());
    }

    @Test
    void liveProcessOnThisHostHoldsEvenPastItsLease() {
        Contender me = here();
        put(KEY, holder(me.host(), me.pid(), me.processStart(), clock.instant(), Duration.ofMinutes(1)));
        clock.advance(Duration.ofHours(1));
        assertThatThrownBy(() -> take(Duration.ZERO, me)).hasMessageContaining("locked by another backup");
    }

    @Test
    void otherHostsLockHoldsUntilItsLeaseExpires() {
        Contender me = here();
        put(KEY, holder("db-elsewhere", 4242, null, clock.instant(), Duration.ofMinutes(2)));
        clock.advance(Duration.ofSeconds(119));
        assertThatThrownBy(() -> take(Duration.ZERO, me))
                .hasMessageContaining("host db-elsewhere pid 4242 since 2026-11-20T01:00:00Z")
                .hasMessageContaining("lease until 2026-11-20T01:02:00Z");
        clock.advance(Duration.ofSeconds(2));
        RepositoryLock lock = take(Duration.ZERO, me);
        assertThat(lock.holder().host()).isEqualTo(me.host());
        assertThat(keys()).containsExactly(KEY);
    }

    @Test
    void sameHostNameOnAnotherMachineIsJudgedByItsLease() throws Exception {
        Contender me = here();
        Holder h = new Holder(me.host(), "another-boot-id", deadPid(), null, "backup", "t", clock.instant(),
                clock.instant(), clock.instant().plus(Duration.ofMinutes(2)), "test");
        put(KEY, h);
        if (me.bootId() != null) {
            assertThatThrownBy(() -> take(Duration.ZERO, me)).hasMessageContaining("locked by another backup");
        }
        clock.advance(Duration.ofMinutes(3));
        take(Duration.ZERO, me);
    }

    @Test
    void renewalsKeepALockAlivePastItsFirstLease() throws Exception {
        Contender holderSide = new Contender("db1", null, 1, null, Clock.systemUTC(), Duration.ofMillis(400),
                Duration.ofMillis(50), Duration.ofMillis(20));
        RepositoryLock lock = take(Duration.ZERO, holderSide);
        Instant firstExpiry = lock.holder().expires();
        Contender other = on("db2", Clock.systemUTC());
        assertThatThrownBy(() -> take(Duration.ofMillis(1000), other)).hasMessageContaining("host db1 pid 1");
        assertThat(RepositoryLock.read(storage, KEY).orElseThrow().expires()).isAfter(firstExpiry.plusMillis(500));
        assertThat(RepositoryLock.read(storage, KEY).orElseThrow().since()).isEqualTo(lock.holder().since());
        assertThat(lock.lost()).isFalse();

        lock.close(); // the renewals stop; a holder that stops renewing loses the lock after its lease
        put(KEY, lock.holder());
        Thread.sleep(450);
        assertThat(take(Duration.ZERO, other).holder().host()).isEqualTo("db2");
    }

    @Test
    void holderThatStalledNoticesTheTakeOverAndLeavesTheNewLockAlone() throws Exception {
        Contender fast = new Contender("db1", null, 1, null, Clock.systemUTC(), Duration.ofMillis(400),
                Duration.ofMillis(50), Duration.ofMillis(20));
        RepositoryLock lock = take(Duration.ZERO, fast);
        Holder usurper = holder("db2", 7, null, Instant.now(), Duration.ofMinutes(2));
        put(KEY, usurper);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!lock.lost() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(lock.lost()).isTrue();
        lock.close();
        assertThat(RepositoryLock.read(storage, KEY)).contains(usurper);
    }

    @Test
    void manyContendersBreakingOneStaleLockLeaveExactlyOneHolder() throws Exception {
        put(KEY, holder("db-gone", 99, null, clock.instant(), Duration.ofMinutes(2)));
        clock.advance(Duration.ofMinutes(5));
        int n = 6;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<RepositoryLock>> tries = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                tries.add(pool.submit(() -> {
                    go.await();
                    return RepositoryLock.acquire(storage, KEY, Duration.ZERO, here());
                }));
            }
            go.countDown();
            List<RepositoryLock> winners = new ArrayList<>();
            for (Future<RepositoryLock> f : tries) {
                try {
                    winners.add(f.get(10, TimeUnit.SECONDS));
                } catch (java.util.concurrent.ExecutionException e) {
                    assertThat(((PgVaultException) e.getCause()).code()).isEqualTo(ErrorCode.LOCKED);
                }
            }
            held.addAll(winners);
            assertThat(winners).hasSize(1);
            assertThat(RepositoryLock.read(storage, KEY).orElseThrow().token())
                    .isEqualTo(winners.get(0).holder().token());
            assertThat(keys()).containsExactly(KEY);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void markerLeftByABreakerThatDiedIsRemoved() throws Exception {
        Contender me = here();
        Holder stale = holder("db-gone", 99, null, clock.instant(), Duration.ofMinutes(2));
        put(KEY, stale);
        put(KEY + ".break-" + stale.token(), holder(me.host(), deadPid(), Instant.now(), clock.instant(),
                Duration.ofMinutes(1)));
        clock.advance(Duration.ofMinutes(5));
        take(Duration.ofSeconds(5), on(me.host(), clock));
        assertThat(keys()).containsExactly(KEY);
    }

    @Test
    void unreadableLockCountsAsHeldForOneLease() {
        try (ObjectWriter w = storage.write(KEY, WriteMode.OVERWRITE)) {
            w.write("{not json".getBytes(StandardCharsets.UTF_8));
            w.commit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Holder h = RepositoryLock.read(storage, KEY).orElseThrow();
        assertThat(h.host()).isEqualTo("unknown");
        Contender real = on(Contender.current().host(), Clock.systemUTC());
        assertThatThrownBy(() -> take(Duration.ZERO, real)).hasMessageContaining("host unknown");
        MutableClock later = new MutableClock(Instant.now().plus(RepositoryLock.DEFAULT_LEASE).plusSeconds(1));
        take(Duration.ZERO, on(Contender.current().host(), later));
    }

    @Test
    void absentLockReadsAsEmpty() {
        assertThat(RepositoryLock.read(storage, KEY)).isEmpty();
    }
}
