package io.pgvault.storage.azure;

import com.azure.core.http.rest.PagedIterable;
import com.azure.storage.blob.models.BlobItem;
import io.pgvault.storage.ObjectInfo;
import java.util.Iterator;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A lazy stream over a paged blob listing: the SDK fetches the next page only when the previous one is used up, so a
 * caller that stops early costs one request. The service lists in key order. Failures while paging become
 * StorageExceptions; failures of the caller's own code pass through untouched.
 */
final class BlobListing extends Spliterators.AbstractSpliterator<ObjectInfo> {

    private final PagedIterable<BlobItem> pages;
    private final int rootLength;
    private final String prefix;
    private final AzureFailures failures;
    private Iterator<BlobItem> items;

    private BlobListing(PagedIterable<BlobItem> pages, int rootLength, String prefix, AzureFailures failures) {
        super(Long.MAX_VALUE, Spliterator.ORDERED | Spliterator.NONNULL | Spliterator.DISTINCT);
        this.pages = pages;
        this.rootLength = rootLength;
        this.prefix = prefix;
        this.failures = failures;
    }

    /**
     * @param rootLength length of the repository's prefix inside the container, cut from each blob name
     * @param prefix     the caller's listing prefix, for messages
     */
    static Stream<ObjectInfo> stream(PagedIterable<BlobItem> pages, int rootLength, String prefix,
                                     AzureFailures failures) {
        return StreamSupport.stream(new BlobListing(pages, rootLength, prefix, failures), false);
    }

    @Override
    public boolean tryAdvance(Consumer<? super ObjectInfo> action) {
        ObjectInfo next;
        try {
            if (items == null) {
                items = pages.iterator();
            }
            if (!items.hasNext()) {
                return false;
            }
            BlobItem item = items.next();
            next = new ObjectInfo(item.getName().substring(rootLength), item.getProperties().getContentLength(),
                    item.getProperties().getLastModified().toInstant());
        } catch (RuntimeException e) {
            throw failures.translate("list '" + prefix + "' in", null, e);
        }
        action.accept(next);
        return true;
    }
}
