package io.pgvault.storage;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.time.Instant;
import java.util.Collection;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Stream;

/** A storage held in memory, for fast tests of the layers above the adapters. */
public final class InMemoryStorage implements Storage {

    private record Blob(byte[] data, Instant modified) {
    }

    private final Map<String, Blob> objects = new ConcurrentSkipListMap<>();

    @Override
    public Optional<ObjectInfo> stat(String key) {
        Blob blob = objects.get(ObjectKey.check(key));
        return Optional.ofNullable(blob).map(b -> new ObjectInfo(key, b.data.length, b.modified));
    }

    @Override
    public InputStream read(String key) {
        return read(key, 0, Long.MAX_VALUE);
    }

    @Override
    public InputStream read(String key, long offset, long length) {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("negative offset or length");
        }
        Blob blob = objects.get(ObjectKey.check(key));
        if (blob == null) {
            throw new ObjectNotFoundException(key);
        }
        int from = (int) Math.min(offset, blob.data.length);
        int to = (int) Math.min(blob.data.length, from + Math.min(length, Integer.MAX_VALUE));
        return new ByteArrayInputStream(blob.data, from, to - from);
    }

    @Override
    public ObjectWriter write(String key, WriteMode mode) {
        ObjectKey.check(key);
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        return new ObjectWriter() {
            @Override
            public void write(int b) {
                buffer.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                buffer.write(b, off, len);
            }

            @Override
            protected ObjectInfo doCommit() {
                Blob blob = new Blob(buffer.toByteArray(), Instant.now());
                if (mode == WriteMode.CREATE_NEW) {
                    if (objects.putIfAbsent(key, blob) != null) {
                        throw new ObjectExistsException(key);
                    }
                } else {
                    objects.put(key, blob);
                }
                return new ObjectInfo(key, blob.data.length, blob.modified);
            }

            @Override
            protected void doAbort() {
                buffer.reset();
            }
        };
    }

    @Override
    public Stream<ObjectInfo> list(String prefix) {
        ObjectKey.checkPrefix(prefix);
        return objects.entrySet().stream()
                .filter(e -> e.getKey().startsWith(prefix))
                .map(e -> new ObjectInfo(e.getKey(), e.getValue().data.length, e.getValue().modified));
    }

    @Override
    public void delete(Collection<String> keys) {
        keys.forEach(k -> objects.remove(ObjectKey.check(k)));
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.of(Capability.ATOMIC_CREATE_NEW, Capability.BATCH_DELETE);
    }
}
