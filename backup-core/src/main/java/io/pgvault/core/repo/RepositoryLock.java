package io.pgvault.core.repo;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.Version;
import io.pgvault.core.stream.NonClosingOutputStream;
import io.pgvault.storage.ObjectExistsException;
import io.pgvault.storage.ObjectInfo;
import io.pgvault.storage.ObjectNotFoundException;
import io.pgvault.storage.ObjectWriter;
import io.pgvault.storage.Storage;
import io.pgvault.storage.WriteMode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A lock held as one object in the repository, so that processes on any host sharing the repository exclude each
 * other: {@code <cluster>/locks/<name>.lock}, created with {@link WriteMode#CREATE_NEW} and deleted on release.
 * The object names its holder (host, boot id, pid, process start) and carries a lease that the holder renews in the
 * background.
 *
 * <p>A lock whose holder died does not block forever. It is stale when its holder ran on this machine (same host
 * name and boot id) and that process is gone (or the pid now belongs to a process started at another time), or
 * when it was taken on another machine and its lease expired without renewal. A stale lock is broken by exactly one
 * contender: breaking first creates {@code <lock>.break-<token>} with CREATE_NEW, re-reads the lock and deletes it
 * only if it still carries the stale token, then removes the marker.
 *
 * <p>Exclusion is exact on stores declaring {@link io.pgvault.storage.Capability#ATOMIC_CREATE_NEW}. Leases compare
 * the holder's clock with the contender's: keep hosts' clocks within a fraction of {@link #DEFAULT_LEASE}. On Linux
 * with {@code hidepid} mounts, run every pgvault process of a host as the same OS user, so each can see the others.
 *
 * <p>Thread-safe; {@link #close()} releases the lock and may be called more than once.
 */
public final class RepositoryLock implements AutoCloseable {

    /** The lock every base backup of a cluster takes. */
    public static final String BACKUP = "backup";

    /** How long a lock taken on another host stays valid without renewal. */
    public static final Duration DEFAULT_LEASE = Duration.ofMinutes(2);

    /** A break marker older than this was left by a contender that died while breaking; it is removed. */
    private static final Duration BREAK_MARKER_LIMIT = Duration.ofMinutes(1);

    private static final Logger log = LoggerFactory.getLogger(RepositoryLock.class);

    /**
     * The content of a lock object.
     *
     * @param host         host name of the holder
     * @param bootId       the holder machine's boot id (Linux), telling two machines of one host name apart; may be null
     * @param pid          the holder's process id
     * @param processStart when the holder's process started, telling a reused pid apart; may be null
     * @param purpose      what the lock protects, e.g. "backup"
     * @param token        unique per acquisition
     * @param since        when the lock was taken
     * @param heartbeat    when the holder last renewed the lease
     * @param expires      when the lease ends unless renewed
     * @param version      the holder's pgvault version
     */
    public record Holder(String host, String bootId, long pid, Instant processStart, String purpose, String token,
                         Instant since, Instant heartbeat, Instant expires, String version) {

        /** For messages: {@code host db1 pid 1234 since 2026-11-20T01:00:00Z}. */
        public String describe() {
            return "host " + host + " pid " + pid + " since " + since;
        }

        Holder renewed(Instant now, Duration lease) {
            return new Holder(host, bootId, pid, processStart, purpose, token, since, now, now.plus(lease), version);
        }
    }

    /**
     * Who contends for locks: this process's identity, its clock and the timing of leases. Tests build their own;
     * {@link #current()} describes the running process.
     *
     * @param host         host name
     * @param bootId       this machine's boot id, or null where the OS has none
     * @param pid          process id
     * @param processStart process start time, or null when unknown
     * @param clock        the clock leases are measured by
     * @param lease        how long a lock stays valid without renewal
     * @param renewEvery   how often the holder renews its lease (well below the lease)
     * @param poll         how often a waiting contender looks again
     */
    public record Contender(String host, String bootId, long pid, Instant processStart, Clock clock, Duration lease,
                            Duration renewEvery, Duration poll) {

        public Contender {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(clock, "clock");
            if (lease.isNegative() || lease.isZero() || renewEvery.compareTo(lease) >= 0) {
                throw new IllegalArgumentException("renewals (" + renewEvery + ") must come within the lease (" + lease
                        + ")");
            }
        }

        /** The running process, with the default lease renewed every quarter of it, looking again every second. */
        public static Contender current() {
            ProcessHandle self = ProcessHandle.current();
            return new Contender(hostName(), machineBootId(), self.pid(), self.info().startInstant().orElse(null),
                    Clock.systemUTC(), DEFAULT_LEASE, DEFAULT_LEASE.dividedBy(4), Duration.ofSeconds(1));
        }

        boolean sameMachine(Holder h) {
            return host.equals(h.host()) && (bootId == null || h.bootId() == null || bootId.equals(h.bootId()));
        }

        private static String hostName() {
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                String env = System.getenv("HOSTNAME");
                return env == null || env.isBlank() ? "localhost" : env;
            }
        }

        private static String machineBootId() {
            try {
                return Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip();
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }
    }

    private final Storage storage;
    private final String key;
    private final Contender contender;
    private final ScheduledExecutorService renewer;
    private volatile Holder holder;
    private volatile boolean lost;
    private boolean released;

    private RepositoryLock(Storage storage, String key, Contender contender, Holder holder) {
        this.storage = storage;
        this.key = key;
        this.contender = contender;
        this.holder = holder;
        this.renewer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pgvault-lock-renewal");
            t.setDaemon(true);
            return t;
        });
        long every = contender.renewEvery().toMillis();
        renewer.scheduleWithFixedDelay(this::renew, every, every, TimeUnit.MILLISECONDS);
    }

    /** Takes one of a cluster's locks, as the running process; see {@link #acquire(Storage, String, Duration, Contender)}. */
    public static RepositoryLock acquire(Repository repository, String name, Duration wait) {
        return acquire(repository.storage(), key(repository.layout(), name), wait, Contender.current());
    }

    /** The key of a cluster's lock called {@code name}. */
    public static String key(RepositoryLayout layout, String name) {
        return layout.locksPrefix() + name + ".lock";
    }

    /**
     * Takes the lock at {@code key}, waiting up to {@code wait} for its holder to release it; breaks it at once when
     * it is stale.
     *
     * @throws PgVaultException LOCKED naming the holder when the lock is still held after {@code wait}
     */
    public static RepositoryLock acquire(Storage storage, String key, Duration wait, Contender contender) {
        String purpose = purposeOf(key);
        Instant deadline = contender.clock().instant().plus(wait);
        while (true) {
            Instant now = contender.clock().instant();
            Holder mine = new Holder(contender.host(), contender.bootId(), contender.pid(), contender.processStart(),
                    purpose, UUID.randomUUID().toString(), now, now, now.plus(contender.lease()), Version.VALUE);
            try {
                write(storage, key, mine, WriteMode.CREATE_NEW);
                log.debug("took lock {} as {}", key, mine.describe());
                return new RepositoryLock(storage, key, contender, mine);
            } catch (ObjectExistsException held) {
                // fall through: look at the holder
            }
            Optional<Holder> current = read(storage, key);
            if (current.isEmpty()) {
                continue; // released meanwhile
            }
            Holder other = current.get();
            if (isStale(other, contender)) {
                breakStale(storage, key, other, contender);
                continue;
            }
            Instant after = contender.clock().instant();
            if (!after.isBefore(deadline)) {
                throw new PgVaultException(ErrorCode.LOCKED, "cluster " + clusterOf(key) + " is locked by another "
                        + purpose + " (" + other.describe() + ", lease until " + other.expires() + ")"
                        + (wait.isZero() ? "" : " after waiting " + wait.toSeconds() + "s")
                        + "; wait for it to finish or pass --lock-wait SECONDS");
            }
            sleep(Duration.between(after, deadline).compareTo(contender.poll()) < 0
                    ? Duration.between(after, deadline) : contender.poll());
        }
    }

    /**
     * The holder of the lock at {@code key}, if it is held. A lock object that cannot be parsed is reported as held
     * by an unknown holder whose lease ends one lease after the object was written.
     */
    public static Optional<Holder> read(Storage storage, String key) {
        try (InputStream in = storage.read(key)) {
            return Optional.of(Json.mapper().readValue(in, Holder.class));
        } catch (ObjectNotFoundException e) {
            return Optional.empty();
        } catch (IOException e) {
            Optional<ObjectInfo> info = storage.stat(key);
            if (info.isEmpty()) {
                return Optional.empty();
            }
            Instant written = info.get().lastModified();
            log.warn("lock {} is unreadable ({}); treating it as held until its lease would end", key,
                    Repository.firstLine(e));
            return Optional.of(new Holder("unknown", null, -1, null, purposeOf(key), "unreadable-" + written,
                    written, written, written.plus(DEFAULT_LEASE), null));
        }
    }

    /**
     * True when the holder cannot still be running: on this machine its process is gone, elsewhere its lease
     * expired without renewal.
     */
    static boolean isStale(Holder h, Contender contender) {
        if (h.pid() > 0 && contender.sameMachine(h)) {
            return !processAlive(h.pid(), h.processStart());
        }
        return h.expires() == null || contender.clock().instant().isAfter(h.expires());
    }

    private static boolean processAlive(long pid, Instant start) {
        Optional<ProcessHandle> p = ProcessHandle.of(pid);
        if (p.isEmpty() || !p.get().isAlive()) {
            return false;
        }
        Optional<Instant> actual = p.get().info().startInstant();
        if (start == null || actual.isEmpty()) {
            return true; // cannot tell a reused pid apart: assume the holder lives
        }
        return Math.abs(ChronoUnit.MILLIS.between(start, actual.get())) < 1000;
    }

    /** Deletes a stale lock unless another contender is breaking it right now. */
    private static void breakStale(Storage storage, String key, Holder stale, Contender contender) {
        String marker = key + ".break-" + stale.token();
        try {
            write(storage, marker, new Holder(contender.host(), contender.bootId(), contender.pid(),
                    contender.processStart(), "break", stale.token(), contender.clock().instant(),
                    contender.clock().instant(), contender.clock().instant().plus(BREAK_MARKER_LIMIT), Version.VALUE),
                    WriteMode.CREATE_NEW);
        } catch (ObjectExistsException another) {
            removeAbandonedMarker(storage, marker, contender);
            sleep(contender.poll());
            return;
        }
        try {
            Optional<Holder> again = read(storage, key);
            if (again.isPresent() && again.get().token().equals(stale.token())) {
                log.warn("breaking stale lock {} of {} (lease until {})", key, stale.describe(), stale.expires());
                storage.delete(List.of(key));
            }
        } finally {
            // deleted only after the lock itself: a contender that reads the stale lock late then finds it gone
            storage.delete(List.of(marker));
        }
    }

    private static void removeAbandonedMarker(Storage storage, String marker, Contender contender) {
        read(storage, marker).filter(m -> isStale(m, contender)).ifPresent(m -> {
            log.warn("removing {} left by a contender that died while breaking the lock", marker);
            storage.delete(List.of(marker));
        });
    }

    /** The holder as last written by this process. */
    public Holder holder() {
        return holder;
    }

    /** True when a renewal found the lock taken over (this process stalled past its lease). */
    public boolean lost() {
        return lost;
    }

    private void renew() {
        try {
            Optional<Holder> current = read(storage, key);
            if (current.isEmpty() || !current.get().token().equals(holder.token())) {
                lost = true;
                log.error("lock {} was taken over while held ({}); this process stalled past its lease",
                        key, current.map(Holder::describe).orElse("now free"));
                renewer.shutdown();
                return;
            }
            Holder next = holder.renewed(contender.clock().instant(), contender.lease());
            write(storage, key, next, WriteMode.OVERWRITE);
            holder = next;
        } catch (RuntimeException e) {
            // the lease outlasts several renewals: one failed request must not end the work the lock protects
            log.warn("could not renew lock {}: {}", key, e.getMessage());
        }
    }

    /** Releases the lock (deletes its object) unless it was taken over. Idempotent. */
    @Override
    public synchronized void close() {
        if (released) {
            return;
        }
        released = true;
        renewer.shutdownNow();
        try {
            renewer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Optional<Holder> current = read(storage, key);
            if (current.isPresent() && current.get().token().equals(holder.token())) {
                storage.delete(List.of(key));
                log.debug("released lock {}", key);
            }
        } catch (RuntimeException e) {
            // the work the lock protected is done; a lock left behind turns stale once this process exits
            log.warn("could not release lock {}: {} (it is broken once this process has exited)", key,
                    e.getMessage());
        }
    }

    private static void write(Storage storage, String key, Holder h, WriteMode mode) {
        byte[] json;
        try {
            json = Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(h);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        try (ObjectWriter w = storage.write(key, mode)) {
            new NonClosingOutputStream(w).write(json);
            w.commit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String purposeOf(String key) {
        String file = key.substring(key.lastIndexOf('/') + 1);
        return file.endsWith(".lock") ? file.substring(0, file.length() - ".lock".length()) : file;
    }

    private static String clusterOf(String key) {
        int slash = key.indexOf('/');
        return slash < 0 ? "?" : "'" + key.substring(0, slash) + "'";
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(Math.max(1, d.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgVaultException(ErrorCode.INTERNAL, "interrupted while waiting for a lock");
        }
    }
}
