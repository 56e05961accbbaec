package io.pgvault.core.relation;

import io.pgvault.core.ErrorCode;
import io.pgvault.core.PgVaultException;
import io.pgvault.core.crypt.DataKey;
import io.pgvault.core.crypt.MasterKey;
import io.pgvault.core.repo.Json;
import io.pgvault.core.repo.Repository;
import io.pgvault.core.repo.RepositoryLayout;
import io.pgvault.core.repo.RepositoryReader;
import io.pgvault.core.repo.SealedObjectFormat;
import io.pgvault.core.stream.NonClosingOutputStream;
import io.pgvault.storage.ObjectInfo;
import io.pgvault.storage.ObjectNotFoundException;
import io.pgvault.storage.ObjectWriter;
import io.pgvault.storage.Storage;
import io.pgvault.storage.StorageException;
import io.pgvault.storage.WriteMode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The registered relations of one cluster, {@code <cluster>/relations/<app>.json} in the repository, so they survive
 * the loss of the database host. Each relation is one object, replaced as a whole.
 */
public final class RelationStore {

    private static final String SUFFIX = ".json";

    private final Storage storage;
    private final RepositoryLayout layout;
    private final Supplier<Optional<MasterKey>> masterKey;

    /** A store of an unencrypted repository. */
    public RelationStore(Storage storage, RepositoryLayout layout) {
        this(storage, layout, Optional::empty);
    }

    /**
     * @param masterKey the repository's master key when it is encrypted: relations hold credentials, so each is
     *                  then sealed with its own data key
     */
    public RelationStore(Storage storage, RepositoryLayout layout, Supplier<Optional<MasterKey>> masterKey) {
        this.storage = storage;
        this.layout = layout;
        this.masterKey = masterKey;
    }

    public static RelationStore of(RepositoryReader repository) {
        return new RelationStore(repository.storage(), repository.layout(), repository::masterKey);
    }

    private static String context(String app) {
        return "relation " + app;
    }

    public String cluster() {
        return layout.cluster();
    }

    /** Every registered relation, by app name. Objects under relations/ that are not relations are ignored. */
    public List<Relation> list() {
        List<AppName> apps = new ArrayList<>();
        String prefix = layout.relationsPrefix();
        try (Stream<ObjectInfo> s = storage.list(prefix)) {
            s.map(ObjectInfo::key)
                    .filter(k -> k.endsWith(SUFFIX))
                    .map(k -> k.substring(prefix.length(), k.length() - SUFFIX.length()))
                    .filter(n -> !n.contains("/"))
                    .forEach(n -> {
                        try {
                            apps.add(new AppName(n));
                        } catch (IllegalArgumentException notARelation) {
                            // not written by pgvault; leave it alone
                        }
                    });
        } catch (StorageException e) {
            throw Repository.translate(e);
        }
        List<Relation> relations = new ArrayList<>();
        for (AppName app : apps) {
            find(app).ifPresent(relations::add);
        }
        return relations;
    }

    public Optional<Relation> find(AppName app) {
        String key = layout.relation(app.value());
        try (InputStream raw = storage.read(key)) {
            Optional<MasterKey> master = masterKey.get();
            InputStream in = master.isEmpty() ? raw
                    : SealedObjectFormat.open(raw, master.get(), context(app.value()), key).content();
            Relation r = Json.mapper().readValue(in, Relation.class);
            if (!r.app().equals(app.value())) {
                throw new PgVaultException(ErrorCode.DAMAGED, key + " holds relation '" + r.app() + "', not '" + app
                        + "'");
            }
            return Optional.of(r);
        } catch (ObjectNotFoundException e) {
            return Optional.empty();
        } catch (StorageException e) {
            throw Repository.translate(e);
        } catch (IOException e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            throw new PgVaultException(ErrorCode.DAMAGED, key + " is not a valid relation (" + why + ")", e);
        }
    }

    /**
     * The relation of an app.
     *
     * @throws PgVaultException NOT_FOUND naming the app and how to list relations
     */
    public Relation require(AppName app) {
        return find(app).orElseThrow(() -> new PgVaultException(ErrorCode.NOT_FOUND, "no relation '" + app
                + "' in cluster '" + layout.cluster() + "'; pgvault relate list shows them"));
    }

    /** Writes (or replaces) a relation. */
    public void save(Relation relation) {
        Optional<MasterKey> master = masterKey.get();
        try (ObjectWriter w = storage.write(layout.relation(relation.app()), WriteMode.OVERWRITE)) {
            OutputStream target = new NonClosingOutputStream(w);
            if (master.isPresent()) {
                target = SealedObjectFormat.write(target, master.get(), DataKey.generate(), context(relation.app()));
            }
            try (OutputStream out = target) {
                Json.mapper().writerWithDefaultPrettyPrinter().writeValue(new NonClosingOutputStream(out), relation);
            }
            w.commit();
        } catch (StorageException e) {
            throw Repository.translate(e);
        } catch (IOException e) {
            throw new PgVaultException(ErrorCode.STORAGE, "cannot write relation '" + relation.app() + "': "
                    + e.getMessage(), e);
        }
    }

    /** Removes a relation; removing one that does not exist succeeds. */
    public void delete(AppName app) {
        try {
            storage.delete(List.of(layout.relation(app.value())));
        } catch (StorageException e) {
            throw Repository.translate(e);
        }
    }
}
