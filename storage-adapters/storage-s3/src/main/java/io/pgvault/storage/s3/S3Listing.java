package io.pgvault.storage.s3;

import io.pgvault.storage.ObjectInfo;
import java.util.Collections;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A lazy listing: one ListObjectsV2 request per page of up to 1,000 keys, sent when the previous page is used up,
 * so a caller that stops early sends no more requests. S3 returns keys in ascending (UTF-8 byte) order.
 */
final class S3Listing implements Iterator<ObjectInfo> {

    private final S3Storage storage;
    private final String prefix;
    private Iterator<S3Object> page = Collections.emptyIterator();
    private String continuation;
    private boolean lastPage;

    private S3Listing(S3Storage storage, String prefix) {
        this.storage = storage;
        this.prefix = prefix;
    }

    static Stream<ObjectInfo> stream(S3Storage storage, String prefix) {
        Iterator<ObjectInfo> listing = new S3Listing(storage, prefix);
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(listing,
                Spliterator.ORDERED | Spliterator.NONNULL | Spliterator.DISTINCT), false);
    }

    @Override
    public boolean hasNext() {
        while (!page.hasNext() && !lastPage) {
            fetch();
        }
        return page.hasNext();
    }

    @Override
    public ObjectInfo next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        S3Object object = page.next();
        String key = object.key().substring(storage.config().prefix().length());
        return new ObjectInfo(key, object.size(), object.lastModified());
    }

    private void fetch() {
        S3StorageConfig config = storage.config();
        String token = continuation;
        ListObjectsV2Response response = storage.calls().run("list", prefix, () -> storage.client().listObjectsV2(
                b -> b.bucket(config.bucket()).prefix(storage.bucketKey(prefix)).continuationToken(token)));
        page = response.contents().iterator();
        continuation = response.nextContinuationToken();
        lastPage = !Boolean.TRUE.equals(response.isTruncated()) || continuation == null;
    }
}
