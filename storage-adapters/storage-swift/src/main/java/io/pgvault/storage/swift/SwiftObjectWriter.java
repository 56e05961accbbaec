package io.pgvault.storage.swift;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.pgvault.storage.ObjectInfo;
import io.pgvault.storage.ObjectWriter;
import io.pgvault.storage.StorageException;
import io.pgvault.storage.WriteMode;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * An upload of unknown length with bounded memory. Bytes collect in one buffer of at most the segment size; an
 * object that fits is one PUT at commit. A larger one becomes a static large object: each full buffer is uploaded as
 * a segment in the background (at most {@code uploadConcurrency} at a time, the writer waiting for a free slot) and
 * commit PUTs the manifest. Either final PUT makes the whole object visible at once; until then nothing is listed,
 * and an abandoned or failed write deletes the segments it uploaded. Every PUT carries the MD5 of its body, so Swift
 * refuses bytes damaged on the way.
 *
 * <p>Overwriting a large object with a large one deletes the old segments after the new manifest is in place. A small
 * object written over a large one leaves the old segments until the key is deleted ({@link SloSegments}
 * sweeps every segment of a deleted key): finding them would cost a request on every small overwrite.
 */
final class SwiftObjectWriter extends ObjectWriter {

    /** Segment descriptions the manifest lists; Swift checks each against the stored segment. */
    private record Segment(String name, String etag, int size) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int FIRST_BUFFER = 64 << 10;
    /** Swift's default max_manifest_segments: a manifest may list no more segments than this. */
    static final int MAX_SEGMENTS = 1000;

    private final SwiftObjects objects;
    private final String key;
    private final String name;
    private final WriteMode mode;
    private final int segmentSize;
    private final String uploadId = SloSegments.newUploadId();
    private final Semaphore slots;
    private final List<Future<Segment>> segments = new ArrayList<>();
    private final List<byte[]> spare = new ArrayList<>();
    private final Md5 md5 = new Md5();
    private byte[] buffer;
    private int count;
    private long size;

    SwiftObjectWriter(SwiftObjects objects, String key, String name, WriteMode mode) {
        this.objects = objects;
        this.key = key;
        this.name = name;
        this.mode = mode;
        this.segmentSize = objects.config().segmentSize();
        this.slots = new Semaphore(objects.config().uploadConcurrency());
        this.buffer = new byte[Math.min(FIRST_BUFFER, segmentSize)];
    }

    @Override
    public void write(int b) throws IOException {
        if (isFinished()) {
            throw new IOException("write of " + key + " already committed or abandoned");
        }
        if (count == segmentSize) {
            startSegment();
        }
        if (count == buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.min(segmentSize, 2 * buffer.length));
        }
        buffer[count] = (byte) b;
        md5.update(buffer, count, 1);
        count++;
        size++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (isFinished()) {
            throw new IOException("write of " + key + " already committed or abandoned");
        }
        while (len > 0) {
            if (count == segmentSize) {
                startSegment(); // only now: a buffer that ends the object exactly may still be a single PUT
            }
            int n = Math.min(len, segmentSize - count);
            if (count + n > buffer.length) {
                buffer = Arrays.copyOf(buffer, (int) Math.min(segmentSize, Math.max(count + n, 2L * buffer.length)));
            }
            System.arraycopy(b, off, buffer, count, n);
            md5.update(buffer, count, n);
            count += n;
            size += n;
            off += n;
            len -= n;
        }
    }

    /** Hands the full buffer to a background upload and starts a fresh one; waits while all slots are busy. */
    private void startSegment() throws IOException {
        failIfAnySegmentFailed();
        if (segments.size() == MAX_SEGMENTS) {
            throw new IOException("write of " + key + " exceeds " + MAX_SEGMENTS + " segments of " + segmentSize
                    + " bytes, the most one Swift large object may have: raise swift-segment-size");
        }
        try {
            slots.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted writing " + key);
        }
        byte[] data = buffer;
        int length = count;
        String etag = md5.finishHex();
        String segmentName = SloSegments.segmentName(name, uploadId, segments.size() + 1);
        segments.add(objects.uploads().submit(() -> {
            try {
                objects.putSegment(segmentName, data, length, etag, key);
                return new Segment(segmentName, etag, length);
            } finally {
                synchronized (spare) {
                    spare.add(data);
                }
                slots.release();
            }
        }));
        synchronized (spare) {
            buffer = spare.isEmpty() ? new byte[segmentSize] : spare.remove(spare.size() - 1);
        }
        count = 0;
    }

    private void failIfAnySegmentFailed() throws IOException {
        for (Future<Segment> segment : segments) {
            if (segment.isDone()) {
                segmentOf(segment);
            }
        }
    }

    @Override
    protected ObjectInfo doCommit() {
        // a large object replacing a large object drops the old segments now; a single PUT does not pay a HEAD for
        // that (it would double the requests of small writes): segments it leaves go when the key is deleted
        List<String> replaced = mode == WriteMode.OVERWRITE && !segments.isEmpty() ? objects.segmentsOf(name, key)
                : List.of();
        Instant committed;
        if (segments.isEmpty()) {
            String etag = md5.finishHex();
            committed = objects.putFinal(name, buffer, count, headers(etag), false, key, etag);
        } else {
            try {
                if (count > 0) {
                    startSegment();
                }
                List<Segment> uploaded = new ArrayList<>();
                for (Future<Segment> segment : segments) {
                    uploaded.add(segmentOf(segment));
                }
                byte[] manifest = manifest(uploaded);
                committed = objects.putFinal(name, manifest, manifest.length, headers(null), true, key,
                        sloEtag(uploaded));
            } catch (IOException e) {
                throw new StorageException(StorageException.Reason.IO, "write of " + key + " failed: "
                        + e.getMessage(), e);
            }
        }
        buffer = null;
        objects.dropSegments(replaced, key);
        return new ObjectInfo(key, size, committed);
    }

    private Map<String, String> headers(String etag) {
        Map<String, String> headers = new HashMap<>();
        if (etag != null) {
            headers.put("ETag", etag);
        }
        if (mode == WriteMode.CREATE_NEW) {
            headers.put("If-None-Match", "*");
        }
        return headers;
    }

    private byte[] manifest(List<Segment> uploaded) throws IOException {
        ArrayNode list = JSON.createArrayNode();
        String container = "/" + objects.segmentsContainer() + "/";
        for (Segment segment : uploaded) {
            list.addObject().put("path", container + segment.name()).put("etag", segment.etag())
                    .put("size_bytes", segment.size());
        }
        return JSON.writeValueAsBytes(list);
    }

    /** What Swift reports as a static large object's ETag: the MD5 of its segments' MD5s, in hex, concatenated. */
    private static String sloEtag(List<Segment> uploaded) {
        Md5 md5 = new Md5();
        for (Segment segment : uploaded) {
            byte[] hex = segment.etag().getBytes(StandardCharsets.US_ASCII);
            md5.update(hex, 0, hex.length);
        }
        return md5.finishHex();
    }

    private static Segment segmentOf(Future<Segment> segment) throws IOException {
        try {
            return segment.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StorageException) {
                throw (StorageException) e.getCause();
            }
            throw new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for a segment upload");
        }
    }

    @Override
    protected void doAbort() {
        buffer = null;
        List<String> written = new ArrayList<>();
        for (Future<Segment> segment : segments) {
            try {
                segment.get(); // a segment still on its way would land after the clean-up
            } catch (ExecutionException e) {
                // failed uploads may still have stored their bytes: deleted below all the same
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (int i = 1; i <= segments.size(); i++) {
            written.add(SloSegments.segmentName(name, uploadId, i));
        }
        objects.dropSegments(written, key);
    }

    /** Incremental MD5 as hex (Swift's ETag). */
    static final class Md5 {
        private final MessageDigest digest;

        Md5() {
            try {
                digest = MessageDigest.getInstance("MD5");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("the JDK always has MD5", e);
            }
        }

        void update(byte[] data, int off, int len) {
            digest.update(data, off, len);
        }

        /** The digest so far, in hex; starts a new one. */
        String finishHex() {
            return HexFormat.of().formatHex(digest.digest());
        }
    }
}
