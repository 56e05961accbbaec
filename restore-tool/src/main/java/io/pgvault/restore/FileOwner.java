package io.pgvault.restore;

import com.sun.security.auth.module.UnixSystem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.UserPrincipal;

/**
 * Who restored files belong to. PostgreSQL refuses a data directory it does not own, so when pgvault runs as root it
 * gives every restored file to the owner of the target directory (or of its parent, when the target is new).
 * Run as anyone else, files simply belong to that user.
 */
final class FileOwner {

    private final UserPrincipal user;
    private final GroupPrincipal group;

    private FileOwner(UserPrincipal user, GroupPrincipal group) {
        this.user = user;
        this.group = group;
    }

    /** Leaves owners as they are. */
    static FileOwner unchanged() {
        return new FileOwner(null, null);
    }

    static FileOwner forTarget(Path pgdata) throws IOException {
        if (new UnixSystem().getUid() != 0) {
            return new FileOwner(null, null);
        }
        Path probe = Files.exists(pgdata) ? pgdata : pgdata.toAbsolutePath().getParent();
        PosixFileAttributes attrs = Files.readAttributes(probe, PosixFileAttributes.class);
        if ("root".equals(attrs.owner().getName())) {
            return new FileOwner(null, null);
        }
        return new FileOwner(attrs.owner(), attrs.group());
    }

    void apply(Path path) throws IOException {
        if (user == null) {
            return;
        }
        PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class,
                LinkOption.NOFOLLOW_LINKS);
        view.setOwner(user);
        view.setGroup(group);
    }
}
