package io.pgvault.core.backup;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a base backup leaves out, following PostgreSQL's documentation of base backups (and what pg_basebackup
 * skips): WAL and runtime directories' contents, the server's pid and option files, relation cache init files,
 * temporary files and relations, and the non-init forks of unlogged relations. Recovery recreates all of them.
 */
public final class DataDirectoryRules {

    /** Top-level directories kept (empty) but whose contents are skipped. */
    static final Set<String> CONTENTS_EXCLUDED = Set.of("pg_wal", "pg_dynshmem", "pg_notify", "pg_serial",
            "pg_snapshots", "pg_stat_tmp", "pg_subtrans", "pg_replslot");

    /** Top-level files skipped. */
    static final Set<String> TOP_FILES_EXCLUDED = Set.of("postmaster.pid", "postmaster.opts", "backup_label",
            "backup_label.old", "tablespace_map", "backup_manifest", "postgresql.auto.conf.tmp",
            "current_logfiles.tmp", "recovery.signal", "standby.signal", "recovery.conf", "recovery.done");

    /** Temporary relation files: t&lt;backend&gt;_&lt;relfilenode&gt;[_fork][.segment]. */
    private static final Pattern TEMP_RELATION = Pattern.compile("t\\d+_\\d+(_(fsm|vm|init))?(\\.\\d+)?");
    /** An init fork, which marks its relation as unlogged. */
    private static final Pattern INIT_FORK = Pattern.compile("(\\d+)_init");
    /** Any fork or segment of a relation file node. */
    private static final Pattern RELATION_FILE = Pattern.compile("(\\d+)(_(fsm|vm|init))?(\\.\\d+)?");

    private DataDirectoryRules() {
    }

    /** True when a file or directory with this name is skipped wherever it appears. */
    static boolean excludedAnywhere(String name) {
        return name.equals("pg_internal.init") || name.startsWith("pgsql_tmp");
    }

    /** True for a temporary relation's file (only meaningful inside database directories). */
    static boolean isTemporaryRelation(String name) {
        return TEMP_RELATION.matcher(name).matches();
    }

    /** The relfilenode an init fork belongs to, or null when the name is not an init fork. */
    static String initForkOwner(String name) {
        var m = INIT_FORK.matcher(name);
        return m.matches() ? m.group(1) : null;
    }

    /** The relfilenode a relation file belongs to and whether it is the init fork; null when not a relation file. */
    static String relationOf(String name) {
        var m = RELATION_FILE.matcher(name);
        return m.matches() ? m.group(1) : null;
    }

    static boolean isInitFork(String name) {
        return name.endsWith("_init");
    }
}
