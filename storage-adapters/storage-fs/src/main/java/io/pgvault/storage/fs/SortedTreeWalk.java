package io.pgvault.storage.fs;

import io.pgvault.storage.ObjectInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A lazy depth-first walk that yields regular files in ascending key order: within a directory, entries sort by name
 * with a '/' appended to directories, which makes the walk order equal to the order of the full keys. Only one
 * directory's entries are held per level, so memory does not grow with the number of objects.
 */
final class SortedTreeWalk implements Iterator<ObjectInfo> {

    private record Entry(Path path, String key, boolean directory, BasicFileAttributes attrs) {
        String sortKey() {
            return directory ? key + "/" : key;
        }
    }

    private final Deque<Iterator<Entry>> stack = new ArrayDeque<>();
    private ObjectInfo next;

    private SortedTreeWalk(Path start, String startKey) {
        stack.push(children(start, startKey).iterator());
    }

    static Stream<ObjectInfo> stream(Path start, String startKey) {
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(new SortedTreeWalk(start, startKey),
                Spliterator.ORDERED | Spliterator.NONNULL), false);
    }

    private static List<Entry> children(Path dir, String keyPrefix) {
        List<Entry> entries = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.startsWith(FsStorage.TEMP_PREFIX)) {
                    continue;
                }
                BasicFileAttributes attrs;
                try {
                    attrs = Files.readAttributes(p, BasicFileAttributes.class);
                } catch (NoSuchFileException gone) {
                    continue;
                }
                if (attrs.isDirectory() || attrs.isRegularFile()) {
                    entries.add(new Entry(p, keyPrefix + name, attrs.isDirectory(), attrs));
                }
            }
        } catch (NoSuchFileException | java.nio.file.NotDirectoryException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(FsStorage.failure("list", keyPrefix, e).getMessage(), e);
        }
        entries.sort(Comparator.comparing(Entry::sortKey));
        return entries;
    }

    @Override
    public boolean hasNext() {
        while (next == null && !stack.isEmpty()) {
            Iterator<Entry> top = stack.peek();
            if (!top.hasNext()) {
                stack.pop();
                continue;
            }
            Entry e = top.next();
            if (e.directory()) {
                stack.push(children(e.path(), e.key() + "/").iterator());
            } else {
                next = new ObjectInfo(e.key(), e.attrs().size(), e.attrs().lastModifiedTime().toInstant());
            }
        }
        return next != null;
    }

    @Override
    public ObjectInfo next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        ObjectInfo result = next;
        next = null;
        return result;
    }
}
