#!/usr/bin/env bash
# pgvault vs pgBackRest, side by side on the same data in the same run. See bench/README.md.
#
#   bash bench/run.sh                          # SCALE=100 (about 1.5 GB of pgbench data), one round
#   SCALE=5 KEEP=1 bash bench/run.sh           # quick run, keep the work directory
#   PGVAULT_DIST=/tmp/dist bash bench/run.sh   # an assembled distribution instead of cli/target/pgvault
#   ROUNDS=3 bash bench/run.sh                 # repeat the timed part, alternating the order; best of 3 shown
#   SCALE=1 TABLES=20000 bash bench/run.sh     # many small files: pgbench at scale 1 plus 20,000 one-row tables
#
# Environment: SCALE (100), TABLES (0: after pgbench -i, create this many one-row tables many_1..many_N, each its
# own small relation file; the restored servers must have them all), KEEP (0), PGVAULT_DIST (cli/target/pgvault,
# built when missing), ROUNDS (1), JOBS (2), ZSTD_LEVEL (3), WAL_SEGMENTS (10), INCR_STRIDE (100: the incremental
# step updates 1 account in 100), INCR_PATTERN (range: those rows as one contiguous block of aids, a different block
# each round; spread: every INCR_STRIDE-th aid), RESULTS_DIR (/tmp/pgvault-bench-results), BENCH_TMP (/tmp), PGBIN
# (newest /usr/lib/postgresql/*/bin), BENCH_OS_USER (postgres).
set -euo pipefail

SCALE=${SCALE:-100}
TABLES=${TABLES:-0}
KEEP=${KEEP:-0}
ROUNDS=${ROUNDS:-1}
JOBS=${JOBS:-2}
ZSTD_LEVEL=${ZSTD_LEVEL:-3}
WAL_SEGMENTS=${WAL_SEGMENTS:-10}
INCR_STRIDE=${INCR_STRIDE:-100}
INCR_PATTERN=${INCR_PATTERN:-range}
RESULTS_DIR=${RESULTS_DIR:-/tmp/pgvault-bench-results}
BENCH_TMP=${BENCH_TMP:-/tmp}
OS_USER=${BENCH_OS_USER:-postgres}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
is_root() { [ "$(id -u)" = 0 ]; }
# Everything that touches the cluster runs as its OS user: PostgreSQL refuses root.
as_pg() { if is_root; then runuser -u "$OS_USER" -- "$@"; else "$@"; fi; }
loadavg() { cut -d' ' -f1 /proc/loadavg; }
for v in SCALE TABLES ROUNDS JOBS ZSTD_LEVEL WAL_SEGMENTS INCR_STRIDE; do
  [[ "${!v}" =~ ^[0-9]+$ ]] || die "$v must be a whole number, not '${!v}'"
done
[ "$SCALE" -ge 1 ] && [ "$ROUNDS" -ge 1 ] && [ "$JOBS" -ge 1 ] && [ "$INCR_STRIDE" -ge 1 ] \
  || die "SCALE, ROUNDS, JOBS and INCR_STRIDE must be at least 1"
case $INCR_PATTERN in range|spread) ;; *) die "INCR_PATTERN must be range or spread, not '$INCR_PATTERN'" ;; esac

# ---------------------------------------------------------------------------------------------------------- 1. tools
install_missing() {
  local need=()
  ls -d /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  command -v pgbackrest >/dev/null 2>&1 || need+=(pgbackrest)
  command -v zstd >/dev/null 2>&1 || need+=(zstd)
  [ -x /usr/bin/time ] || need+=(time)
  command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
  [ ${#need[@]} -eq 0 ] && return 0
  is_root || die "missing ${need[*]}; install them (apt-get install ${need[*]}) or run as root"
  log "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=120 install -y -q "${need[@]}" >/dev/null \
    || { apt-get -o DPkg::Lock::Timeout=120 update -q >/dev/null && \
         apt-get -o DPkg::Lock::Timeout=120 install -y -q "${need[@]}" >/dev/null; } \
    || die "apt-get install ${need[*]} failed"
}
install_missing
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}
[ -x "$PGBIN/initdb" ] || die "no initdb in $PGBIN"
if is_root && ! id "$OS_USER" >/dev/null 2>&1; then die "OS user $OS_USER does not exist"; fi
PGBACKREST=$(command -v pgbackrest)

if [ -n "${PGVAULT_DIST:-}" ]; then
  DIST=$PGVAULT_DIST
else
  DIST=$ROOT/cli/target/pgvault
  if [ ! -x "$DIST/bin/pgvault" ]; then
    log "building the pgvault distribution (mvn -q -B -DskipTests package -pl cli -am)"
    (cd "$ROOT" && mvn -q -B -DskipTests package -pl cli -am) || die "maven build failed"
  fi
fi
[ -x "$DIST/bin/pgvault" ] || die "no pgvault launcher at $DIST/bin/pgvault"
# pgvault reads every PGVAULT_* variable as a setting: keep only the launcher's JVM options, so the benchmark runs
# with the flags below and nothing inherited (PGVAULT_DIST itself would draw a warning).
for v in $(compgen -e | grep '^PGVAULT_' | grep -v '^PGVAULT_JAVA_OPTS$' || true); do unset "$v"; done

# ------------------------------------------------------------------------------------------------- work directory
mkdir -p "$BENCH_TMP"
W=$(mktemp -d "$BENCH_TMP/pgvault-bench.XXXXXX")
chmod 755 "$W"
if is_root; then chown "$OS_USER" "$W"; fi
SAMPLER=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$SAMPLER" ]; then kill "$SAMPLER" 2>/dev/null || true; fi
  for d in "$W"/restore-pgvault "$W"/restore-pgbackrest "$W"/data; do
    if [ -f "$d/postmaster.pid" ]; then
      as_pg "$PGBIN/pg_ctl" -D "$d" stop -m immediate -w >/dev/null 2>&1 || true
    fi
  done
  if [ "$KEEP" = 1 ]; then
    log "kept $W (servers stopped; remove it with: rm -rf $W)"
  else
    rm -rf "$W"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log "work directory $W"

# A copy of the distribution the server's OS user can read (the checkout may be private).
cp -r "$DIST" "$W/pgvault"
# the class-data archive fits one place: rebuild it for the copy, as an installation would (README, bin/pgvault-cds)
if [ -x "$W/pgvault/bin/pgvault-cds" ]; then "$W/pgvault/bin/pgvault-cds" >/dev/null || log "no class-data archive"; fi
chmod -R a+rX "$W/pgvault"
PGV=$W/pgvault/bin/pgvault

free_port() {
  local p
  for _ in $(seq 200); do
    p=$(( RANDOM % 20000 + 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && [ ! -e "$W/.s.PGSQL.$p" ]; then echo "$p"; return; fi
  done
  die "no free port"
}
PORT=$(free_port)

sql() { as_pg "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$W" -p "${2:-$PORT}" -d postgres -c "$1"; }

# Results: R[name#round.field]=value; problems are collected and printed with the table.
declare -A R
PROBLEMS=()
problem() { PROBLEMS+=("$*"); log "PROBLEM: $*"; }
ROUND=1

# ------------------------------------------------------------------------------------------------------ measuring
# Sum of the RSS (KiB) of every process below $1, wrappers (runuser, time, bash, sh) excluded; peak over samples.
sample_tree() {
  local root=$1 max=0 cur
  sleep 0.05
  while kill -0 "$root" 2>/dev/null; do
    cur=$(ps -e -o pid=,ppid=,rss=,comm= | awk -v r="$root" '
      { par[$1] = $2; rss[$1] = $3; comm[$1] = $4 }
      END { t = 0
            for (x in par) { y = x; hit = 0
              while ((y in par) && y > 1) { if (y == r) { hit = 1; break } y = par[y] }
              if (hit && comm[x] !~ /^(runuser|time|bash|sh)$/) t += rss[x] }
            print t }')
    [ "$cur" -gt "$max" ] && max=$cur
    sleep 0.1
  done
  echo "$max"
}

# measure NAME CMD...: runs CMD as the cluster's OS user under /usr/bin/time -v; records, for this round, wall (s),
# cpu (user+sys of the command and the children it waited for, s), rss (largest single process, MiB), rss_sum
# (sampled peak of all its processes together, MiB), load (1-minute load average before) and rc.
measure() {
  local name=$1; shift
  local key="$name#$ROUND" tf=$W/$name.$ROUND.time t0 t1 pid rc=0 rss_sum
  # written data of the previous step (the floor's tar -x never syncs) is flushed first, untimed: a step that
  # syncs its own files (both tools do) must not also pay for the writeback of the step before it
  sync
  R[$key.load]=$(loadavg)
  t0=$(date +%s%N)
  as_pg /usr/bin/time -v -o "$tf" "$@" >"$W/$name.$ROUND.out" 2>&1 &
  pid=$!
  sample_tree "$pid" >"$W/$name.$ROUND.rss" &
  SAMPLER=$!
  wait "$pid" || rc=$?
  t1=$(date +%s%N)
  wait "$SAMPLER" || true
  SAMPLER=
  rss_sum=$(cat "$W/$name.$ROUND.rss")
  R[$key.rc]=$rc
  R[$key.wall]=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
  R[$key.cpu]=$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$tf")
  R[$key.rss]=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$tf")
  R[$key.rss_sum]=$(awk -v k="$rss_sum" 'BEGIN { if (k > 0) printf "%.0f", k / 1024; else printf "-" }')
  if [ "$rc" != 0 ]; then
    problem "round $ROUND: $name failed (exit $rc): $* -- output: $(tail -n 5 "$W/$name.$ROUND.out" | tr '\n' ' ')"
  fi
  log "$name: ${R[$key.wall]} s wall, ${R[$key.cpu]} s CPU, peak RSS ${R[$key.rss]} MiB (all processes ${R[$key.rss_sum]} MiB), exit $rc, load ${R[$key.load]}"
  return 0
}
ok() { [ "${R[$1#$ROUND.rc]:-1}" = 0 ]; }

mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
du_b() { if [ -e "$1" ]; then du -sb "$1" | cut -f1; else echo 0; fi; }

# Waits until every finished WAL file has gone through archive_command: no .ready file up to the segment just
# switched. (last_archived_wal is no measure: the archiver takes files in batches, not strictly in name order.)
wait_archived() {
  local want pending failed status=$W/data/pg_wal/archive_status
  want=$(sql "SELECT pg_walfile_name(pg_switch_wal())")
  for _ in $(seq 36000); do
    pending=$(ls "$status" | grep '\.ready$' | awk -v w="$want" 'substr($0, 1, 24) <= w' | head -n 1 || true)
    [ -z "$pending" ] && return 0
    failed=$(sql "SELECT coalesce(last_failed_wal, '') || ' ' || failed_count FROM pg_stat_archiver
                  WHERE last_failed_time > coalesce(last_archived_time, '-infinity')")
    [ -n "$failed" ] && log "archive_command failing: $failed (see $W/data.log)"
    sleep 0.1
  done
  tail -n 20 "$W/data.log" >&2
  die "WAL up to $want not archived within an hour (still pending: $pending)"
}

# Back to archiving into both tools: pushes what was deferred during a timed backup, oldest first.
flush_deferred() {
  local f n=0
  wait_archived
  echo both >"$W/archive-mode"
  for f in $(ls "$W/deferred-pgvault" | grep -v '\.part$' | sort); do
    as_pg "$PGV" "${PGV_ARGS[@]}" wal-push "$W/deferred-pgvault/$f" >>"$W/deferred.out" 2>&1 \
      || die "deferred pgvault wal-push $f failed: $(tail -n 3 "$W/deferred.out")"
    rm -f "$W/deferred-pgvault/$f"; n=$((n + 1))
  done
  for f in $(ls "$W/deferred-pgbackrest" | grep -v '\.part$' | sort); do
    as_pg "${PGBR[@]}" archive-push "$W/deferred-pgbackrest/$f" >>"$W/deferred.out" 2>&1 \
      || die "deferred pgbackrest archive-push $f failed: $(tail -n 3 "$W/deferred.out")"
    rm -f "$W/deferred-pgbackrest/$f"; n=$((n + 1))
  done
  if [ "$n" -gt 0 ]; then log "pushed $n deferred WAL files"; fi
}

# ------------------------------------------------------------------------------------------------- 2. the cluster
LOAD_START=$(loadavg)
log "creating a cluster with data checksums ($PGBIN, port $PORT)"
as_pg "$PGBIN/initdb" -k -U postgres --auth=trust -D "$W/data" >"$W/initdb.log" 2>&1 \
  || { cat "$W/initdb.log"; die "initdb failed"; }
PGV_ARGS=(--repo "file://$W/pgvault-repo" --cluster bench --pg-host 127.0.0.1 --pg-port "$PORT"
          --compress zstd --compress-level "$ZSTD_LEVEL")
PGBR_CONF=$W/pgbackrest.conf
PGBR=("$PGBACKREST" "--config=$PGBR_CONF" --stanza=bench)
pgbackrest_conf() { # REPO_PATH LOCK_PATH
  cat <<EOF
[global]
repo1-path=$1
repo1-retention-full=99
compress-type=zst
compress-level=$ZSTD_LEVEL
process-max=$JOBS
start-fast=y
log-path=$W/pgbackrest-log
lock-path=$2
spool-path=$W/pgbackrest-spool
log-level-console=info
log-level-file=info

[bench]
pg1-path=$W/data
pg1-port=$PORT
pg1-socket-path=$W
pg1-user=postgres
EOF
}
pgbackrest_conf "$W/pgbackrest-repo" "$W/pgbackrest-lock" >"$PGBR_CONF"
chmod 644 "$PGBR_CONF"
for d in pgbackrest-log pgbackrest-lock pgbackrest-spool deferred-pgvault deferred-pgbackrest walsample; do
  as_pg mkdir -p "$W/$d"
done

# archive_command: every WAL file goes to both tools. While one tool's backup is timed, the other tool's push is
# deferred (the file is copied to a spool and pushed right after), so each backup waits only for its own archiving,
# as it would in production, and both archives end up complete. (pgbackrest check wants "pgbackrest" in the name.)
ARCHIVE_SH=$W/archive-pgvault-pgbackrest.sh
echo both >"$W/archive-mode"
cat >"$ARCHIVE_SH" <<EOF
#!/bin/sh
# \$1 = %p (relative to the data directory), \$2 = %f; mode in $W/archive-mode: both, pgvault or pgbackrest
mode=\$(cat '$W/archive-mode' 2>/dev/null || echo both)
if [ "\$mode" = pgbackrest ]; then
  cp "\$1" '$W/deferred-pgvault/'"\$2.part" && mv '$W/deferred-pgvault/'"\$2.part" '$W/deferred-pgvault/'"\$2" || exit 1
else
  $PGV ${PGV_ARGS[*]} wal-push "\$1" || exit 1
fi
if [ "\$mode" = pgvault ]; then
  cp "\$1" '$W/deferred-pgbackrest/'"\$2.part" && mv '$W/deferred-pgbackrest/'"\$2.part" '$W/deferred-pgbackrest/'"\$2" || exit 1
else
  ${PGBR[*]} archive-push "\$1" || exit 1
fi
EOF
chmod 755 "$ARCHIVE_SH"
cat >>"$W/data/postgresql.conf" <<EOF

# pgvault bench
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$W'
wal_level = replica
archive_mode = on
archive_command = '$ARCHIVE_SH %p %f'
max_wal_size = 2GB
EOF
as_pg "$PGBIN/pg_ctl" -D "$W/data" -l "$W/data.log" -w -t 120 start >/dev/null \
  || { tail -n 20 "$W/data.log"; die "server did not start"; }
PG_VERSION=$(sql "SHOW server_version")

as_pg "$PGV" "${PGV_ARGS[@]}" init >"$W/pgvault-init.out" 2>&1 || { cat "$W/pgvault-init.out"; die "pgvault init failed"; }
as_pg "${PGBR[@]}" stanza-create >"$W/pgbackrest-stanza.out" 2>&1 \
  || { cat "$W/pgbackrest-stanza.out"; die "pgbackrest stanza-create failed"; }
as_pg "${PGBR[@]}" check >"$W/pgbackrest-check.out" 2>&1 \
  || { cat "$W/pgbackrest-check.out"; tail -n 20 "$W/data.log"; die "pgbackrest check (archive_command through both tools) failed"; }
log "pgvault init, pgbackrest stanza-create and check: ok"

# --------------------------------------------------------------------------------------------------- 3. the data
log "loading pgbench at scale $SCALE"
as_pg "$PGBIN/pgbench" -i -q -s "$SCALE" -h "$W" -p "$PORT" postgres >"$W/pgbench.out" 2>&1 \
  || { cat "$W/pgbench.out"; die "pgbench -i failed"; }
# Many small files: TABLES one-row tables, 1000 per transaction (each CREATE TABLE holds a lock until commit).
if [ "$TABLES" -gt 0 ]; then
  log "creating $TABLES one-row tables"
  for ((from = 1; from <= TABLES; from += 1000)); do
    to=$((from + 999 < TABLES ? from + 999 : TABLES))
    sql "DO \$\$ BEGIN FOR i IN $from..$to LOOP
           EXECUTE format('CREATE TABLE many_%s (v int)', i); EXECUTE format('INSERT INTO many_%s VALUES (%s)', i, i);
         END LOOP; END \$\$" || die "creating tables many_$from..many_$to failed"
  done
fi
log "waiting for archive_command to catch up"
wait_archived
# A sample of archived segments (status .done) for the archive_command cost, copied before a checkpoint recycles them.
for f in $(ls "$W/data/pg_wal/archive_status" | grep -E '^[0-9A-F]{24}\.done$' | cut -c1-24 | sort | tail -n "$WAL_SEGMENTS"); do
  cp "$W/data/pg_wal/$f" "$W/walsample/" 2>/dev/null || true
done
if is_root; then chown -R "$OS_USER" "$W/walsample"; fi
NSEG=$(ls "$W/walsample" | wc -l)
sql "CHECKPOINT"
wait_archived
DATA_BYTES=$(du -sb --exclude=pg_wal "$W/data" | cut -f1)
DATA_FILES=$(find "$W/data" -path "$W/data/pg_wal" -prune -o -type f -print | wc -l)
log "data: $(mib "$DATA_BYTES") MiB in $DATA_FILES files (without pg_wal)"

# ----------------------------------------------------------------------------------------------- 4. timed rounds
backup_floor() {
  measure floor_backup sh -c "tar -cf - -C '$W/data' --exclude=./pg_wal/* --exclude=./postmaster.pid . 2>/dev/null \
    | zstd -q -T$JOBS -$ZSTD_LEVEL -c > '$W/floor.tar.zst'"
  R[floor_backup#$ROUND.size]=$(du_b "$W/floor.tar.zst")
}
backup_pgvault() {
  local before; before=$(du_b "$W/pgvault-repo/bench/backups")
  echo pgvault >"$W/archive-mode"
  measure pgvault_backup "$PGV" "${PGV_ARGS[@]}" --pgdata "$W/data" --jobs "$JOBS" backup
  flush_deferred
  R[pgvault_backup#$ROUND.size]=$(( $(du_b "$W/pgvault-repo/bench/backups") - before ))
}
backup_pgbackrest() {
  local before; before=$(du_b "$W/pgbackrest-repo/backup")
  echo pgbackrest >"$W/archive-mode"
  measure pgbackrest_backup "${PGBR[@]}" --type=full --process-max="$JOBS" --compress-type=zst backup
  flush_deferred
  R[pgbackrest_backup#$ROUND.size]=$(( $(du_b "$W/pgbackrest-repo/backup") - before ))
}

# Incremental backups: 1 pgbench_accounts row in INCR_STRIDE updated, then each tool's incremental on top of this
# round's full backup. INCR_PATTERN=range: one contiguous block of aids, a different block each round (a few pages of
# the table change, as with recent rows of a growing table); spread: every INCR_STRIDE-th aid (with ~60 rows a page,
# 1% of the rows touch about half of the table's pages).
update_for_incremental() {
  local accounts=$((SCALE * 100000)) n first where
  if [ "$INCR_PATTERN" = range ]; then
    n=$((accounts / INCR_STRIDE)); [ "$n" -ge 1 ] || n=1
    first=$(( (ROUND - 1) * n % (accounts - n + 1) + 1 ))
    where="aid BETWEEN $first AND $((first + n - 1))"
  else
    where="aid % $INCR_STRIDE = $ROUND % $INCR_STRIDE"
  fi
  sql "UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE $where"
  R[incr_update#$ROUND.rc]=0
  R[incr_update#$ROUND.rows]=$(sql "SELECT count(*) FROM pgbench_accounts WHERE $where")
  sql "CHECKPOINT"
  wait_archived
}
incremental_pgvault() {
  local before; before=$(du_b "$W/pgvault-repo/bench/backups")
  echo pgvault >"$W/archive-mode"
  measure pgvault_incr "$PGV" "${PGV_ARGS[@]}" --pgdata "$W/data" --jobs "$JOBS" backup --type incremental
  flush_deferred
  R[pgvault_incr#$ROUND.size]=$(( $(du_b "$W/pgvault-repo/bench/backups") - before ))
}
incremental_pgbackrest() {
  local before; before=$(du_b "$W/pgbackrest-repo/backup")
  echo pgbackrest >"$W/archive-mode"
  measure pgbackrest_incr "${PGBR[@]}" --type=incr --process-max="$JOBS" --compress-type=zst backup
  flush_deferred
  R[pgbackrest_incr#$ROUND.size]=$(( $(du_b "$W/pgbackrest-repo/backup") - before ))
}

# The restored server is started on its own port with archiving off, and timed until recovery has replayed the
# archive and promoted; then pgbench_accounts is counted, and the TABLES small tables with their rows.
recover() {
  local name=$1 dir=$2 port t0 t1 rows many state key="$1#$ROUND"
  port=$(free_port)
  R[$key.rc]=1
  t0=$(date +%s%N)
  if ! as_pg "$PGBIN/pg_ctl" -D "$dir" -l "$W/$name.$ROUND.log" -w -t 3600 \
      -o "-p $port -c archive_mode=off -c unix_socket_directories=$W -c listen_addresses=" start >/dev/null 2>&1; then
    problem "round $ROUND: $name: the restored server did not start: $(tail -n 5 "$W/$name.$ROUND.log" | tr '\n' ' ')"
    return 0
  fi
  state=t
  for _ in $(seq 36000); do
    state=$(sql "SELECT pg_is_in_recovery()" "$port" 2>/dev/null || echo t)
    [ "$state" = f ] && break
    sleep 0.1
  done
  t1=$(date +%s%N)
  if [ "$state" != f ]; then
    problem "round $ROUND: $name: the restored server did not finish recovery: $(tail -n 5 "$W/$name.$ROUND.log" | tr '\n' ' ')"
  else
    R[$key.rc]=0
    R[$key.wall]=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
    R[$key.fetched]=$(grep -c 'restored log file' "$W/$name.$ROUND.log" || true)
    rows=$(sql "SELECT count(*) FROM pgbench_accounts" "$port" 2>&1 || true)
    if [ "$rows" = "$((SCALE * 100000))" ]; then R[$key.check]=ok; else
      R[$key.check]=WRONG; problem "round $ROUND: $name: pgbench_accounts has '$rows' rows, expected $((SCALE * 100000))"; fi
    if [ "$TABLES" -gt 0 ]; then
      # every many_N table, and in it its one row holding N: the count of tables and the sum over all their rows
      many=$(sql "SELECT count(*) FROM pg_class WHERE relkind = 'r' AND relname LIKE 'many\\_%'" "$port" 2>&1 || true)
      rows=$(many_sum "$port" 2>&1 || true)
      if [ "$many" = "$TABLES" ] && [ "$rows" = "$((TABLES * (TABLES + 1) / 2))" ]; then R[$key.tables]=ok; else
        R[$key.tables]=WRONG
        problem "round $ROUND: $name: $many many_* tables with rows summing to '$rows', expected $TABLES and $((TABLES * (TABLES + 1) / 2))"
      fi
    fi
    log "$name: promoted after ${R[$key.wall]} s, ${R[$key.fetched]} WAL files fetched, pgbench_accounts ${R[$key.check]}"
  fi
  as_pg "$PGBIN/pg_ctl" -D "$dir" stop -m fast -w >/dev/null 2>&1 || true
}
# Sum of the rows of many_1..many_TABLES on the server at port $1, 1000 tables per query (each table read takes a
# lock until the end of its transaction).
many_sum() {
  local from to total=0 part q i
  for ((from = 1; from <= TABLES; from += 1000)); do
    to=$((from + 999 < TABLES ? from + 999 : TABLES))
    q="SELECT coalesce(sum(v), 0) FROM (SELECT v FROM many_$from"
    for ((i = from + 1; i <= to; i++)); do q+=" UNION ALL SELECT v FROM many_$i"; done
    part=$(sql "$q) t" "$1") || return 1
    total=$((total + part))
  done
  echo "$total"
}
fresh_dir() { rm -rf "$1"; as_pg mkdir -m 700 "$1"; }
restore_floor() {
  fresh_dir "$W/restore-floor"
  measure floor_restore sh -c "zstd -q -d -T$JOBS -c '$W/floor.tar.zst' | tar -xf - -C '$W/restore-floor'"
  rm -rf "$W/restore-floor"
}
restore_pgvault() {
  fresh_dir "$W/restore-pgvault"
  measure pgvault_restore "$PGV" "${PGV_ARGS[@]}" --pgdata "$W/restore-pgvault" --jobs "$JOBS" restore --archive-mode off
  if ok pgvault_restore; then recover pgvault_recovery "$W/restore-pgvault"; fi
  rm -rf "$W/restore-pgvault"
}
restore_pgbackrest() {
  fresh_dir "$W/restore-pgbackrest"
  measure pgbackrest_restore "${PGBR[@]}" --pg1-path="$W/restore-pgbackrest" --process-max="$JOBS" --archive-mode=off restore
  if ok pgbackrest_restore; then recover pgbackrest_recovery "$W/restore-pgbackrest"; fi
  rm -rf "$W/restore-pgbackrest"
}

# archive_command cost: the sampled segments pushed one at a time, one process each, into fresh repositories.
walpush_pgvault() {
  local args=(--repo "file://$W/walbench-pgvault-$ROUND" --cluster bench --pg-host 127.0.0.1 --pg-port "$PORT"
              --compress zstd --compress-level "$ZSTD_LEVEL")
  as_pg "$PGV" "${args[@]}" init >"$W/walbench-init.out" 2>&1 \
    || { problem "round $ROUND: pgvault init of the archive_command repository failed: $(tail -n 3 "$W/walbench-init.out")"; return 0; }
  measure pgvault_walpush sh -c "for f in '$W'/walsample/*; do '$PGV' ${args[*]} wal-push \"\$f\" || exit 1; done"
  R[pgvault_walpush#$ROUND.size]=$(du_b "$W/walbench-pgvault-$ROUND/bench/wal")
}
walpush_pgbackrest() {
  local conf=$W/walbench-$ROUND.conf
  pgbackrest_conf "$W/walbench-pgbackrest-$ROUND" "$W/walbench-lock" >"$conf"
  chmod 644 "$conf"
  as_pg "$PGBACKREST" "--config=$conf" --stanza=bench stanza-create >"$W/walbench-init.out" 2>&1 \
    || { problem "round $ROUND: pgbackrest stanza-create of the archive_command repository failed: $(tail -n 3 "$W/walbench-init.out")"; return 0; }
  measure pgbackrest_walpush sh -c "for f in '$W'/walsample/*; do '$PGBACKREST' --config='$conf' --stanza=bench archive-push \"\$f\" || exit 1; done"
  R[pgbackrest_walpush#$ROUND.size]=$(du_b "$W/walbench-pgbackrest-$ROUND/archive")
}

for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
  # Odd rounds run pgvault first, even rounds pgBackRest first. The floor always goes first: in round 1 it also
  # warms the page cache, so both tools read the same cached data.
  if [ $((ROUND % 2)) = 1 ]; then ORDER="pgvault pgbackrest"; else ORDER="pgbackrest pgvault"; fi
  log "round $ROUND of $ROUNDS: floor, then $ORDER"
  backup_floor
  for t in $ORDER; do "backup_$t"; done
  restore_floor
  for t in $ORDER; do "restore_$t"; done
  update_for_incremental
  for t in $ORDER; do "incremental_$t"; done
  if [ "$NSEG" -gt 0 ]; then for t in $ORDER; do "walpush_$t"; done; fi
done
ROUND=1
R[pgvault_wal.size]=$(du_b "$W/pgvault-repo/bench/wal")
R[pgbackrest_wal.size]=$(du_b "$W/pgbackrest-repo/archive")
R[pgvault_wal.files]=$(find "$W/pgvault-repo/bench/wal" -type f 2>/dev/null | grep -c -E '/[0-9A-F]{24}[^/]*$' || true)
R[pgbackrest_wal.files]=$(find "$W/pgbackrest-repo/archive" -type f 2>/dev/null | grep -c -E '/[0-9A-F]{24}[^/]*$' || true)
LOAD_END=$(loadavg)

# ------------------------------------------------------------------------------------------------- 5. the table
# best NAME FIELD: over the rounds where NAME succeeded, the minimum (times) or the maximum (rss*, size, fetched).
best() {
  local name=$1 field=$2 r v out="" failed=0
  for ((r = 1; r <= ROUNDS; r++)); do
    [ -n "${R[$name#$r.rc]:-}" ] || continue
    if [ "${R[$name#$r.rc]}" != 0 ]; then failed=1; continue; fi
    v=${R[$name#$r.$field]:-}
    [[ "$v" =~ ^[0-9.]+$ ]] || { [ -n "$v" ] && [ -z "$out" ] && out=$v; continue; }
    case $field in
      rss|rss_sum|size) out=$(awk -v a="${out:-0}" -v b="$v" 'BEGIN { print (a ~ /^[0-9.]+$/ && a + 0 > b + 0) ? a : b }') ;;
      *) out=$(awk -v a="$out" -v b="$v" 'BEGIN { print (a ~ /^[0-9.]+$/ && a + 0 < b + 0) ? a : b }') ;;
    esac
  done
  if [ -n "$out" ]; then echo "$out"; elif [ "$failed" = 1 ]; then echo FAILED; else echo -; fi
}
# at_best NAME FIELD: FIELD of the round with NAME's best (smallest) wall time.
at_best() {
  local name=$1 field=$2 r w="" out=-
  for ((r = 1; r <= ROUNDS; r++)); do
    [ "${R[$name#$r.rc]:-1}" = 0 ] || continue
    if [ -z "$w" ] || awk -v a="${R[$name#$r.wall]}" -v b="$w" 'BEGIN { exit !(a + 0 < b + 0) }'; then
      w=${R[$name#$r.wall]}; out=${R[$name#$r.$field]:--}
    fi
  done
  echo "$out"
}
mibv() { local v; v=$(best "$1" "$2"); if [[ "$v" =~ ^[0-9]+$ ]]; then mib "$v"; else echo "$v"; fi; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b + 0 > 0) printf "%.2f", a / b; else printf "-" }'; }
row() { # label pgvault pgbackrest [floor]
  local f=${4:--}
  printf '%-46s %11s %11s %9s %11s %9s\n' "$1" "$2" "$3" "$(ratio "$2" "$3")" "$f" "$(ratio "$2" "$f")"
}
sum2() { awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/) printf "%.2f", a + b; else printf "-" }'; }
per_seg() { awk -v w="$1" -v n="$NSEG" 'BEGIN { if (w ~ /^[0-9.]+$/) printf "%.3f", w / n; else printf "%s", w }'; }
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
GIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ "$ROUNDS" = 1 ]; then HOW="one round"; else HOW="best of $ROUNDS rounds (minimum time, maximum memory and size)"; fi
{
  echo "pgvault vs pgBackRest -- $STAMP"
  echo "pgvault $("$PGV" --version 2>/dev/null | awk '{print $2}') (dist $DIST, checkout $GIT), $("$PGBACKREST" version),"
  echo "PostgreSQL $PG_VERSION, $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo), load average $LOAD_START at start, $LOAD_END at end"
  if [ "$TABLES" -gt 0 ]; then MANY=" and $TABLES one-row tables"; else MANY=""; fi
  echo "data: pgbench scale $SCALE$MANY, $(mib "$DATA_BYTES") MiB in $DATA_FILES files (PGDATA without pg_wal), data checksums on"
  echo "settings: $JOBS jobs / process-max $JOBS, zstd level $ZSTD_LEVEL on both sides, local filesystem repositories; $HOW"
  echo
  printf '%-46s %11s %11s %9s %11s %9s\n' metric pgvault pgbackrest pgv/pgbr "tar|zstd" pgv/floor
  printf '%s\n' "$(printf '%.0s-' $(seq 104))"
  row "full backup: wall time (s)" "$(best pgvault_backup wall)" "$(best pgbackrest_backup wall)" "$(best floor_backup wall)"
  row "full backup: CPU user+sys (s)" "$(best pgvault_backup cpu)" "$(best pgbackrest_backup cpu)" "$(best floor_backup cpu)"
  row "full backup: peak RSS, largest process (MiB)" "$(best pgvault_backup rss)" "$(best pgbackrest_backup rss)" "$(best floor_backup rss)"
  row "full backup: peak RSS, all processes (MiB)" "$(best pgvault_backup rss_sum)" "$(best pgbackrest_backup rss_sum)" "$(best floor_backup rss_sum)"
  row "backup size in repository (MiB)" "$(mibv pgvault_backup size)" "$(mibv pgbackrest_backup size)" "$(mibv floor_backup size)"
  row "incremental after $(best incr_update rows) rows updated: wall (s)" "$(best pgvault_incr wall)" "$(best pgbackrest_incr wall)"
  row "incremental: CPU user+sys (s)" "$(best pgvault_incr cpu)" "$(best pgbackrest_incr cpu)"
  row "incremental: peak RSS, largest process (MiB)" "$(best pgvault_incr rss)" "$(best pgbackrest_incr rss)"
  row "incremental: size in repository (MiB)" "$(mibv pgvault_incr size)" "$(mibv pgbackrest_incr size)"
  row "restore: wall time (s)" "$(best pgvault_restore wall)" "$(best pgbackrest_restore wall)" "$(best floor_restore wall)"
  row "restore: CPU user+sys (s)" "$(best pgvault_restore cpu)" "$(best pgbackrest_restore cpu)" "$(best floor_restore cpu)"
  row "restore: peak RSS, largest process (MiB)" "$(best pgvault_restore rss)" "$(best pgbackrest_restore rss)" "$(best floor_restore rss)"
  row "restore: peak RSS, all processes (MiB)" "$(best pgvault_restore rss_sum)" "$(best pgbackrest_restore rss_sum)" "$(best floor_restore rss_sum)"
  row "restored server: start to promoted (s)" "$(best pgvault_recovery wall)" "$(best pgbackrest_recovery wall)"
  row "restored server: WAL files fetched" "$(at_best pgvault_recovery fetched)" "$(at_best pgbackrest_recovery fetched)"
  row "restored server: pgbench_accounts rows" "$(best pgvault_recovery check)" "$(best pgbackrest_recovery check)"
  if [ "$TABLES" -gt 0 ]; then
    row "restored server: $TABLES tables and rows" "$(best pgvault_recovery tables)" "$(best pgbackrest_recovery tables)"
  fi
  row "restore + recovery (s)" "$(sum2 "$(best pgvault_restore wall)" "$(best pgvault_recovery wall)")" \
    "$(sum2 "$(best pgbackrest_restore wall)" "$(best pgbackrest_recovery wall)")"
  if [ "$NSEG" -gt 0 ]; then
    row "archive_command: s per 16 MiB segment" "$(per_seg "$(best pgvault_walpush wall)")" "$(per_seg "$(best pgbackrest_walpush wall)")"
    row "archive_command: CPU for $NSEG segments (s)" "$(best pgvault_walpush cpu)" "$(best pgbackrest_walpush cpu)"
    row "archive_command: peak RSS (MiB)" "$(best pgvault_walpush rss)" "$(best pgbackrest_walpush rss)"
    row "archived size of those $NSEG segments (MiB)" "$(mibv pgvault_walpush size)" "$(mibv pgbackrest_walpush size)"
  fi
  row "WAL archive of the whole run (MiB)" "$(mib "${R[pgvault_wal.size]}")" "$(mib "${R[pgbackrest_wal.size]}")"
  row "  WAL files in it" "${R[pgvault_wal.files]}" "${R[pgbackrest_wal.files]}"
  echo
  echo "Wall times of every round (s) [1-minute load average before each]:"
  for name in floor_backup pgvault_backup pgbackrest_backup pgvault_incr pgbackrest_incr floor_restore pgvault_restore pgbackrest_restore \
              pgvault_recovery pgbackrest_recovery pgvault_walpush pgbackrest_walpush; do
    line=""
    for ((r = 1; r <= ROUNDS; r++)); do
      [ -n "${R[$name#$r.rc]:-}" ] || continue
      if [ "${R[$name#$r.rc]}" = 0 ]; then line+=" ${R[$name#$r.wall]}"; else line+=" FAILED"; fi
      [ -n "${R[$name#$r.load]:-}" ] && line+=" [${R[$name#$r.load]}]"
    done
    [ -n "$line" ] && printf '  %-20s%s\n' "$name" "$line"
  done
  echo
  echo "Notes:"
  echo "- Backups: pgvault --jobs $JOBS backup; pgbackrest --type=full --process-max=$JOBS --compress-type=zst backup"
  echo "  (start-fast=y, like pgvault's fast checkpoint; pgBackRest also verifies page checksums, its default)."
  echo "  archive_command pushes every WAL file to both tools, except while one tool's backup is timed: then the"
  echo "  other tool's push is deferred (a cp to a spool, pushed after), so each backup waits for its own tool's"
  echo "  archive_command only. Odd rounds run pgvault first, even rounds pgBackRest; tar|zstd runs first of all."
  if [ "$INCR_PATTERN" = range ]; then
    echo "- Incrementals (INCR_PATTERN=range): after the restores, one contiguous block of 1 in $INCR_STRIDE pgbench_accounts"
    echo "  rows (aid BETWEEN x AND x+n-1, another block each round) is updated, CHECKPOINT, then"
  else
    echo "- Incrementals (INCR_PATTERN=spread): after the restores, every ${INCR_STRIDE}th pgbench_accounts row (aid % $INCR_STRIDE)"
    echo "  is updated, CHECKPOINT, then"
  fi
  echo "  pgvault backup --type incremental vs pgbackrest --type=incr backup on top of the round's full backups."
  echo "  pgvault stores changed pages of relation files; pgBackRest (without --repo-block) whole changed files."
  echo "- 'largest process' is /usr/bin/time -v's Maximum resident set size, i.e. the largest single process: pgvault"
  echo "  is one JVM; pgBackRest's main process and its $JOBS worker processes are separate processes. 'all processes'"
  echo "  sums the RSS of every process of the command, sampled every 0.1 s (a sampled peak)."
  echo "- CPU is user+sys of the command and of the child processes it waited for (pgBackRest's workers included)."
  echo "- Sizes: growth of pgvault-repo/bench/backups and of pgbackrest-repo/backup (du -sb) by one full backup; the floor"
  echo "  is tar -cf - (PGDATA without pg_wal/*) | zstd -T$JOBS -$ZSTD_LEVEL, restored with zstd -d | tar -x."
  echo "- Restores go into empty directories and recover to the end of the archive, archive_mode off; then the restored"
  echo "  server is started (pgvault wal-fetch / pgbackrest archive-get as restore_command) and timed until promoted."
  echo "- archive_command rows: the same $NSEG finished segments pushed one at a time, one process per segment, as"
  echo "  archive_command does (pgvault wal-push vs pgbackrest archive-push, both synchronous), into fresh repositories."
  echo "- Every timed step starts after an untimed sync, so none pays for the writeback of the step before it (the"
  echo "  floor's tar -x never syncs; both tools sync what they restore before they finish)."
  echo "- Other work on the machine shows in the load averages; differences below ~10% are noise on 2 cores."
  if [ ${#PROBLEMS[@]} -gt 0 ]; then
    echo
    echo "Problems:"
    for p in "${PROBLEMS[@]}"; do echo "- $p"; done
  fi
} >"$W/report.txt"
mkdir -p "$RESULTS_DIR"
OUT=$RESULTS_DIR/$STAMP-scale$SCALE.txt
if [ "$TABLES" -gt 0 ]; then OUT=$RESULTS_DIR/$STAMP-scale$SCALE-tables$TABLES.txt; fi
cp "$W/report.txt" "$OUT"
echo
cat "$OUT"
echo
echo "results written to $OUT"
[ ${#PROBLEMS[@]} -eq 0 ]
