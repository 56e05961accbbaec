#!/usr/bin/env bash
# WAL archive drain and recovery replay: pgvault's JVM-free fast paths vs pgBackRest's async archive-push /
# archive-get vs a plain cp, on piles of real WAL, in one run. See bench/README.md ("WAL: archive drain and replay").
#
#   bash bench/wal.sh                            # SEGMENTS=150
#   SEGMENTS=20 KEEP=1 bash bench/wal.sh         # quick run, keep the work directory
#
# Environment: SEGMENTS (150), JOBS (2), COMPRESS (zstd) / ZSTD_LEVEL (3), FETCH_JOBS (JOBS), FETCH_AHEAD (16), KEEP (0),
# RESULTS_DIR (/tmp/pgvault-bench-results), PGVAULT_DIST (cli/target/pgvault, built when missing), BENCH_TMP (/tmp),
# PGBIN (newest /usr/lib/postgresql/*/bin), BENCH_OS_USER (postgres), CONTENDERS ("pgvault pgbackrest cp").
set -euo pipefail

SEGMENTS=${SEGMENTS:-150}
JOBS=${JOBS:-2}
COMPRESS=${COMPRESS:-zstd}
ZSTD_LEVEL=${ZSTD_LEVEL:-3}
FETCH_JOBS=${FETCH_JOBS:-$JOBS}
FETCH_AHEAD=${FETCH_AHEAD:-16}
KEEP=${KEEP:-0}
RESULTS_DIR=${RESULTS_DIR:-/tmp/pgvault-bench-results}
BENCH_TMP=${BENCH_TMP:-/tmp}
OS_USER=${BENCH_OS_USER:-postgres}
CONTENDERS=${CONTENDERS:-pgvault pgbackrest cp}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
is_root() { [ "$(id -u)" = 0 ]; }
# Everything that touches the cluster runs as its OS user: PostgreSQL refuses root.
as_pg() { if is_root; then runuser -u "$OS_USER" -- "$@"; else "$@"; fi; }
loadavg() { cut -d' ' -f1 /proc/loadavg; }
now_ns() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }
for v in SEGMENTS JOBS ZSTD_LEVEL FETCH_JOBS FETCH_AHEAD; do
  [[ "${!v}" =~ ^[0-9]+$ ]] || die "$v must be a whole number, not '${!v}'"
done
[ "$SEGMENTS" -ge 2 ] && [ "$JOBS" -ge 1 ] && [ "$FETCH_JOBS" -ge 1 ] || die "SEGMENTS >= 2, JOBS and FETCH_JOBS >= 1"
case $COMPRESS in
  zstd) PGBR_COMPRESS=zst ;; gzip) PGBR_COMPRESS=gz ;; lz4) PGBR_COMPRESS=lz4 ;; none) PGBR_COMPRESS=none ;;
  *) die "COMPRESS must be zstd, gzip, lz4 or none, not '$COMPRESS'" ;;
esac
# ZSTD_LEVEL applies to zstd only; the other codecs run at each tool's default level (gzip 6 on both sides, lz4's
# fast mode on both sides: pgBackRest's level 1, lz4-java's fast compressor)
if [ "$COMPRESS" = zstd ]; then PGV_LEVEL=$ZSTD_LEVEL; PGBR_LEVEL_LINE="compress-level=$ZSTD_LEVEL"; LEVEL_NAME="level $ZSTD_LEVEL"
else PGV_LEVEL=0; PGBR_LEVEL_LINE=""; LEVEL_NAME="default level"; fi
for c in $CONTENDERS; do case $c in pgvault|pgbackrest|cp) ;; *) die "unknown contender '$c'" ;; esac; done

# ---------------------------------------------------------------------------------------------------------- 1. tools
install_missing() {
  local need=()
  ls -d /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  command -v pgbackrest >/dev/null 2>&1 || need+=(pgbackrest)
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
for f in pgvault pgvault-wal-push pgvault-wal-fetch; do
  [ -x "$DIST/bin/$f" ] || die "no $DIST/bin/$f (an older distribution?)"
done
# pgvault reads every PGVAULT_* variable as a setting: keep only the launcher's JVM options.
for v in $(compgen -e | grep '^PGVAULT_' | grep -v '^PGVAULT_JAVA_OPTS$' || true); do unset "$v"; done

# ------------------------------------------------------------------------------------------------- work directory
mkdir -p "$BENCH_TMP"
W=$(mktemp -d "$BENCH_TMP/pgvault-walbench.XXXXXX")
chmod 755 "$W"
if is_root; then chown "$OS_USER" "$W"; fi
AGENT_PID=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  rm -f "$W/sampling"
  stop_agent || true
  for d in "$W"/replay-* "$W"/data; do
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
set_archive_command() {
  sql "ALTER SYSTEM SET archive_command = '${1//\'/\'\'}'" >/dev/null
  sql "SELECT pg_reload_conf()" >/dev/null
  sleep 0.3 # the archiver re-reads its configuration when it wakes up (the reload wakes it)
}

declare -A R
PROBLEMS=()
problem() { PROBLEMS+=("$*"); log "PROBLEM: $*"; }
STATUS=$W/data/pg_wal/archive_status

# Waits until nothing up to the segment just switched is left .ready.
wait_archived() {
  local want pending
  want=$(sql "SELECT pg_walfile_name(pg_switch_wal())")
  for _ in $(seq 6000); do
    pending=$(ls "$STATUS" | grep '\.ready$' | awk -v w="$want" 'substr($0, 1, 24) <= w' | head -n 1 || true)
    [ -z "$pending" ] && return 0
    sleep 0.1
  done
  tail -n 20 "$W/data.log" >&2
  die "WAL up to $want not archived within 10 minutes (still pending: $pending)"
}

# ------------------------------------------------------------------------------------------------- 2. the cluster
LOAD_START=$(loadavg)
log "creating a cluster with data checksums ($PGBIN, port $PORT)"
as_pg "$PGBIN/initdb" -k -U postgres --auth=trust -D "$W/data" >"$W/initdb.log" 2>&1 \
  || { cat "$W/initdb.log"; die "initdb failed"; }
# Large enough that no checkpoint is requested while a pile is written (a pile never gets recycled anyway: its files
# are .ready), and no timed checkpoint in the middle of a measurement.
MAX_WAL_MB=$(( (SEGMENTS * 2 + 64) * 16 ))
[ "$MAX_WAL_MB" -ge 2048 ] || MAX_WAL_MB=2048
cat >>"$W/data/postgresql.conf" <<EOF

# pgvault WAL bench
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$W'
wal_level = replica
archive_mode = on
archive_command = '/bin/true'
max_wal_size = ${MAX_WAL_MB}MB
checkpoint_timeout = 30min
log_checkpoints = on
EOF
as_pg "$PGBIN/pg_ctl" -D "$W/data" -l "$W/data.log" -w -t 120 start >/dev/null \
  || { tail -n 20 "$W/data.log"; die "server did not start"; }
PG_VERSION=$(sql "SHOW server_version")

# pgvault: the fast path archive_command (falls back to a synchronous `pgvault wal-push` while no agent runs)
SPOOL=$W/pgvault-spool
PGV_REPO=$W/pgvault-repo
PGV_ARGS=(--repo "file://$PGV_REPO" --cluster bench --pg-host 127.0.0.1 --pg-port "$PORT"
          --compress "$COMPRESS" --compress-level "$PGV_LEVEL")
PGV_ARCHIVE="$W/pgvault/bin/pgvault-wal-push --spool $SPOOL --repo file://$PGV_REPO --cluster bench --compress $COMPRESS --compress-level $PGV_LEVEL %p"
# pgBackRest: async archive-push / archive-get, same compression and process count
PGBR_REPO=$W/pgbackrest-repo
PGBR_CONF=$W/pgbackrest.conf
PGBR=("$PGBACKREST" "--config=$PGBR_CONF" --stanza=bench)
cat >"$PGBR_CONF" <<EOF
[global]
repo1-path=$PGBR_REPO
repo1-retention-full=99
compress-type=$PGBR_COMPRESS
$PGBR_LEVEL_LINE
process-max=$JOBS
archive-async=y
archive-get-queue-max=$((FETCH_AHEAD * 16))MiB
spool-path=$W/pgbackrest-spool
start-fast=y
log-path=$W/pgbackrest-log
lock-path=$W/pgbackrest-lock
log-level-console=info
log-level-file=info

[bench]
pg1-path=$W/data
pg1-port=$PORT
pg1-socket-path=$W
pg1-user=postgres
EOF
chmod 644 "$PGBR_CONF"
PGBR_ARCHIVE="$PGBACKREST --config=$PGBR_CONF --stanza=bench archive-push %p"
# cp: the floor
CP_DIR=$W/cp-archive
CP_ARCHIVE="test ! -f $CP_DIR/%f && cp %p $CP_DIR/%f"
for d in pgbackrest-log pgbackrest-lock pgbackrest-spool pgvault-spool agent-state cp-archive; do as_pg mkdir -p "$W/$d"; done

as_pg "$PGV" "${PGV_ARGS[@]}" init >"$W/pgvault-init.out" 2>&1 || { cat "$W/pgvault-init.out"; die "pgvault init failed"; }
as_pg "${PGBR[@]}" stanza-create >"$W/pgbackrest-stanza.out" 2>&1 \
  || { cat "$W/pgbackrest-stanza.out"; die "pgbackrest stanza-create failed"; }

log "loading pgbench at scale 10"
as_pg "$PGBIN/pgbench" -i -q -s 10 -h "$W" -p "$PORT" postgres >"$W/pgbench-init.out" 2>&1 \
  || { cat "$W/pgbench-init.out"; die "pgbench -i failed"; }
sql "CREATE TABLE bulk (id bigint GENERATED ALWAYS AS IDENTITY, pile text, at timestamptz, note text, payload text)"
wait_archived
sql "CHECKPOINT"

# ------------------------------------------------------------------------------------------------------ 3. the piles
# One chunk of realistic WAL: pgbench transactions (index and heap updates, full page images after a checkpoint),
# an UPDATE of a slice of pgbench_accounts, and bulk inserts of text rows: base64 digests (barely compressible), a hex
# digest (about 2:1), stock sentences and numbers (compress well), so segments are partly compressible. The insert
# is sized to what is still missing (40000 rows and their share of the rest fill about a 16 MiB segment).
CHUNK=0
write_chunk() {
  local pile=$1 missing=$2 rows
  rows=$(( missing * 40000 )); [ "$rows" -le 800000 ] || rows=800000; [ "$rows" -ge 40000 ] || rows=40000
  CHUNK=$((CHUNK + 1))
  PGOPTIONS='-c synchronous_commit=off' as_pg "$PGBIN/pgbench" -n -c 2 -j 2 -t 500 -h "$W" -p "$PORT" postgres \
    >>"$W/pgbench-$pile.out" 2>&1 || { tail -n 5 "$W/pgbench-$pile.out"; die "pgbench failed"; }
  sql "SET synchronous_commit = off;
       UPDATE pgbench_accounts SET abalance = abalance + 1, filler = md5(aid::text || random()::text)
        WHERE aid % 50 = $((CHUNK % 50));
       INSERT INTO bulk (pile, at, note, payload)
       SELECT '$pile', clock_timestamp(),
              (ARRAY['order shipped to warehouse', 'payment received, thank you', 'customer asked for a refund',
                     'invoice overdue, second reminder sent', 'address changed by the customer'])[1 + g % 5],
              encode(sha256(random()::text::bytea), 'base64') || ' ' || md5(g::text) || ' qty=' || (g % 97)
              || ' price=' || round((random() * 1000)::numeric, 2) || ' ref=' || encode(sha256(g::text::bytea), 'base64')
         FROM generate_series(1, $rows) g" >/dev/null
}
ready_count() { local n=0 f; for f in "$STATUS"/*.ready; do [ -e "$f" ] && n=$((n + 1)); done; echo "$n"; }

# build_pile NAME: with archiving paused, writes until SEGMENTS segments are .ready, then a restore point (the replay
# target) and a WAL switch, which closes the last segment of the pile. Sets PILE (sorted names) and R[NAME.*].
build_pile() {
  local name=$1 t0 n f switched
  set_archive_command 'exit 1'
  t0=$(now_ns)
  while [ "$(ready_count)" -lt "$SEGMENTS" ]; do write_chunk "$name" $(( SEGMENTS - $(ready_count) )); done
  R[$name.rows]=$(sql "SELECT count(*) FROM bulk WHERE pile = '$name'")
  # the replay needs the pile up to the restore point's segment (autovacuum may add a little WAL after it)
  R[$name.rp_seg]=$(sql "SELECT pg_walfile_name(pg_create_restore_point('pile_$name'))")
  switched=$(sql "SELECT pg_walfile_name(pg_switch_wal())")
  for _ in $(seq 100); do [ -e "$STATUS/$switched.ready" ] && break; sleep 0.1; done
  PILE=()
  for f in "$STATUS"/*.ready; do [ -e "$f" ] && PILE+=("$(basename "$f" .ready)"); done
  n=${#PILE[@]}
  R[$name.segments]=$n
  R[$name.first]=${PILE[0]}
  R[$name.last]=${PILE[$((n - 1))]}
  [ "${R[$name.last]}" = "$switched" ] || die "pile $name: last .ready is ${R[$name.last]}, the WAL switch closed $switched"
  printf '%s\n' "${PILE[@]}" >"$W/pile-$name.txt"
  log "pile $name: $n segments ${R[$name.first]}..${R[$name.last]} written in $(secs "$t0" "$(now_ns)") s ($CHUNK chunks so far), $(ratio_of_zstd "${PILE[@]}")"
}
# how compressible the pile is: a sample of its segments through zstd -ZSTD_LEVEL (the pile is in the page cache)
ratio_of_zstd() {
  command -v zstd >/dev/null 2>&1 || { echo "zstd not installed"; return; }
  local a=0 b=0 f i=0
  for f in "$@"; do
    i=$((i + 1)); [ $((i % 10)) = 1 ] || continue
    a=$((a + $(stat -c %s "$W/data/pg_wal/$f")))
    b=$((b + $(zstd -q -"$ZSTD_LEVEL" -c "$W/data/pg_wal/$f" | wc -c)))
  done
  awk -v a="$a" -v b="$b" 'BEGIN { printf "sample compresses to %.0f%% with zstd -'"$ZSTD_LEVEL"'", 100 * b / a }'
}

# ---------------------------------------------------------------------------------------------------- 4. the drains
start_agent() {
  rm -f "$SPOOL"/*.ok "$SPOOL"/*.error
  as_pg "$PGV" "${PGV_ARGS[@]}" --pgdata "$W/data" agent --spool "$SPOOL" --archive-jobs "$JOBS" \
    --state-dir "$W/agent-state" >>"$W/agent.log" 2>&1 &
  AGENT_PID=$!
}
# Stops the agent we started: SIGTERM to the JVM (its pid is in the spool), then waits for the wrapper.
stop_agent() {
  [ -n "$AGENT_PID" ] || return 0
  local jvm
  jvm=$(cat "$SPOOL/agent.pid" 2>/dev/null || true)
  if [ -n "$jvm" ] && kill -0 "$jvm" 2>/dev/null; then kill -TERM "$jvm" 2>/dev/null || true; fi
  for _ in $(seq 300); do kill -0 "$AGENT_PID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$AGENT_PID" 2>/dev/null; then problem "the agent did not stop within 30 s"; kill -KILL "$AGENT_PID" 2>/dev/null || true; fi
  wait "$AGENT_PID" 2>/dev/null || true
  AGENT_PID=
}
agent_cpu() { # user+sys seconds of the agent JVM so far
  local jvm; jvm=$(cat "$SPOOL/agent.pid" 2>/dev/null || true)
  [ -n "$jvm" ] && [ -r "/proc/$jvm/stat" ] || { echo -; return; }
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.1f", ($12 + $13) / hz }' "/proc/$jvm/stat"
}

# CPU of the archiving: the archiver's reaped children (archive_command: scripts, synchronous JVMs, cp, pgBackRest's
# foreground archive-push) plus the detached workers, sampled every 0.2 s (pgvault's agent JVM; pgBackRest's
# archive-push:async and :local processes). A sampled figure: a worker's last 0.2 s may be missed.
ticks_children() { # cutime+cstime of a pid, in clock ticks
  awk '{ sub(/^.*\) /, ""); print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}
archiver_pid() {
  ps -o pid=,args= --ppid "$(head -n 1 "$W/data/postmaster.pid")" | awk '/archiver/ { print $1; exit }'
}
SAMPLER=
start_sampler() { # NAME: samples utime+stime of the detached archiving workers into $W/cpu-NAME.samples
  local out=$W/cpu-$1.samples
  : >"$out"
  (
    export LC_ALL=C
    while [ -e "$W/sampling" ]; do
      for f in $(grep -l -a -F -e "$SPOOL" -e "$PGBR_CONF" /proc/[0-9]*/cmdline 2>/dev/null); do
        if grep -q -a -E 'io\.pgvault\.cli\.Main|archive-(push|get):(async|local)' "$f" 2>/dev/null; then
          awk -v p="${f%/cmdline}" '{ sub(/^.*\) /, ""); print p, $12 + $13 }' "${f%/cmdline}/stat" 2>/dev/null || true
        fi
      done >>"$out"
      sleep 0.2
    done
  ) &
  SAMPLER=$!
}
stop_sampler() { # prints the CPU seconds sampled
  rm -f "$W/sampling"
  [ -z "$SAMPLER" ] || wait "$SAMPLER" 2>/dev/null || true
  SAMPLER=
  awk -v hz="$(getconf CLK_TCK)" '{ if ($2 > m[$1]) m[$1] = $2 } END { for (p in m) t += m[p]; printf "%.2f", t / hz }' "$W/cpu-$1.samples"
}

# Archived names (24 hex digits) in a contender's repository.
archived_names() {
  case $1 in
    pgvault) find "$PGV_REPO/bench/wal" -type f 2>/dev/null ;;
    pgbackrest) find "$PGBR_REPO/archive" -type f 2>/dev/null ;;
    cp) find "$CP_DIR" -type f 2>/dev/null ;;
  esac | sed -n 's|.*/\([0-9A-F]\{24\}\)[^/]*$|\1|p' | sort -u
}
archived_bytes() { # bytes of the pile's segments in the repository
  local name=$1 dir
  case $name in pgvault) dir=$PGV_REPO/bench/wal ;; pgbackrest) dir=$PGBR_REPO/archive ;; cp) dir=$CP_DIR ;; esac
  find "$dir" -type f -printf '%f %s\n' | awk 'NR == FNR { want[$1] = 1; next }
    { n = substr($1, 1, 24); if (n in want) s += $2 } END { printf "%.0f", s }' "$W/pile-$name.txt" -
}

base_backup() {
  local name=$1
  case $name in
    pgvault) set_archive_command "$PGV_ARCHIVE"
             as_pg "$PGV" "${PGV_ARGS[@]}" --pgdata "$W/data" --jobs "$JOBS" backup >"$W/base-pgvault.out" 2>&1 \
               || { cat "$W/base-pgvault.out"; die "pgvault backup failed"; } ;;
    pgbackrest) set_archive_command "$PGBR_ARCHIVE"
             as_pg "${PGBR[@]}" --type=full backup >"$W/base-pgbackrest.out" 2>&1 \
               || { tail -n 20 "$W/base-pgbackrest.out"; die "pgbackrest backup failed"; } ;;
    cp) set_archive_command "$CP_ARCHIVE"
        as_pg "$PGBIN/pg_basebackup" -h "$W" -p "$PORT" -U postgres -D "$W/base-cp" -X none -c fast \
          >"$W/base-cp.out" 2>&1 || { cat "$W/base-cp.out"; die "pg_basebackup failed"; } ;;
  esac
  wait_archived
  log "base backup for $name taken (its WAL archived through its own archive_command)"
}

drain() {
  local name=$1 t0 t1 i=0 n cmd st last up= i_up=0
  case $name in pgvault) cmd=$PGV_ARCHIVE ;; pgbackrest) cmd=$PGBR_ARCHIVE ;; cp) cmd=$CP_ARCHIVE ;; esac
  n=${#PILE[@]}
  local logpos; logpos=$(stat -c %s "$W/data.log")
  local arch ticks0
  arch=$(archiver_pid); ticks0=$(ticks_children "$arch")
  touch "$W/sampling"; start_sampler "$name"
  R[$name.load]=$(loadavg)
  log "releasing the $name pile ($n segments), load ${R[$name.load]}"
  t0=$(now_ns)
  if [ "$name" = pgvault ]; then start_agent; fi
  set_archive_command "$cmd"
  # no process per poll: the pile is archived oldest first, so follow its .ready files in order
  for _ in $(seq 120000); do
    while [ "$i" -lt "$n" ] && [ ! -e "$STATUS/${PILE[$i]}.ready" ]; do i=$((i + 1)); done
    [ "$i" -ge "$n" ] && break
    if [ "$name" = pgvault ] && [ -z "$up" ] && [ -s "$SPOOL/agent.pid" ]; then up=$(now_ns); i_up=$i; fi
    sleep 0.02
  done
  t1=$(now_ns)
  local workers; workers=$(stop_sampler "$name")
  R[$name.cpu]=$(awk -v a="$ticks0" -v b="$(ticks_children "$arch")" -v w="$workers" -v hz="$(getconf CLK_TCK)" -v n="$n" \
    'BEGIN { printf "%.2f", (b - a) / hz + w }')
  R[$name.cpu_seg]=$(awk -v c="${R[$name.cpu]}" -v n="$n" 'BEGIN { printf "%.3f", c / n }')
  # and once more over all of them, in case the archiver took them out of order
  for st in "${PILE[@]}"; do [ ! -e "$STATUS/$st.ready" ] || die "$name: $st still .ready after the drain"; done
  R[$name.drain]=$(secs "$t0" "$t1")
  R[$name.rate]=$(awk -v n="$n" -v s="${R[$name.drain]}" 'BEGIN { printf "%.1f", n / s }')
  if [ "$name" = pgvault ]; then
    R[$name.agent_cpu]=$(agent_cpu)
    if [ -n "$up" ]; then
      R[$name.agent_up]=$(secs "$t0" "$up")
      R[$name.steady]=$(awk -v n=$((n - i_up)) -v a="$up" -v b="$t1" 'BEGIN { if (b > a) printf "%.1f", n / ((b - a) / 1e9); else printf "-" }')
    fi
    kill -0 "$AGENT_PID" 2>/dev/null || problem "pgvault: the agent exited during the drain: $(tail -n 3 "$W/agent.log" | tr '\n' ' ')"
    R[$name.agent_status]=$(as_pg "$PGV" status --state-dir "$W/agent-state" --cluster bench 2>&1 | grep -i 'archiving' | head -n 1 || true)
    stop_agent
  fi
  last=$(sql "SELECT last_archived_wal FROM pg_stat_archiver")
  # failures of this contender's archive_command (not of the pausing 'exit 1' the archiver may still have retried)
  R[$name.failed]=$(tail -c +"$((logpos + 1))" "$W/data.log" | grep 'The failed archive command was:' | grep -c -v 'was: exit 1' || true)
  [ "$last" \> "${R[$name.last]}" ] || [ "$last" = "${R[$name.last]}" ] \
    || problem "$name: pg_stat_archiver last_archived_wal is $last, the pile ends at ${R[$name.last]}"
  # every segment of the pile is in the contender's repository
  archived_names "$name" >"$W/archived-$name.txt"
  R[$name.missing]=$(comm -23 "$W/pile-$name.txt" "$W/archived-$name.txt" | wc -l)
  if [ "${R[$name.missing]}" != 0 ]; then
    problem "$name drain: ${R[$name.missing]} of $n segments of the pile are not in its repository, e.g. $(comm -23 "$W/pile-$name.txt" "$W/archived-$name.txt" | head -n 3 | tr '\n' ' ')"
  fi
  R[$name.stored]=$(archived_bytes "$name")
  log "$name drained $n segments in ${R[$name.drain]} s (${R[$name.rate]} segments/s, ${R[$name.cpu]} s CPU), ${R[$name.failed]} archive_command failures, missing from the repository: ${R[$name.missing]}"
}

for c in $CONTENDERS; do
  base_backup "$c"
  build_pile "$c"
  drain "$c"
  # the next pile starts from a clean slate: everything archived, this pile's files free for recycling
  wait_archived
  sql "CHECKPOINT"
done
set_archive_command '/bin/true'

# -------------------------------------------------------------------------------------------------- 5. the replays
# Restore each contender's base backup (taken before its pile) into a new directory with the tool's own restore,
# recovering to the restore point at the end of its pile; start it and time until it promoted.
replay_prepare() {
  local name=$1 dir=$W/replay-$1
  rm -rf "$dir"; as_pg mkdir -m 700 "$dir"
  case $name in
    pgvault)
      as_pg "$PGV" "${PGV_ARGS[@]}" --pgdata "$dir" --jobs "$JOBS" restore --archive-mode off \
        --target-name "pile_$name" --target-action promote >"$W/restore-$name.out" 2>&1 \
        || { problem "pgvault restore failed: $(tail -n 3 "$W/restore-$name.out" | tr '\n' ' ')"; return 1; }
      grep -q "pgvault-wal-fetch" "$dir/postgresql.auto.conf" \
        || problem "pgvault restore did not write the fast restore_command: $(grep restore_command "$dir/postgresql.auto.conf")"
      # same download parallelism as pgBackRest's process-max (the written command uses the prefetcher's default)
      sed -i "s|pgvault-wal-fetch |pgvault-wal-fetch --fetch-jobs $FETCH_JOBS --fetch-ahead $FETCH_AHEAD |" "$dir/postgresql.auto.conf" ;;
    pgbackrest)
      as_pg "${PGBR[@]}" --pg1-path="$dir" --process-max="$JOBS" --archive-mode=off --type=name \
        --target="pile_$name" --target-action=promote restore >"$W/restore-$name.out" 2>&1 \
        || { problem "pgbackrest restore failed: $(tail -n 3 "$W/restore-$name.out" | tr '\n' ' ')"; return 1; } ;;
    cp)
      as_pg cp -a "$W/base-cp/." "$dir/"
      as_pg touch "$dir/recovery.signal"
      as_pg sh -c "cat >> '$dir/postgresql.auto.conf'" <<EOF
restore_command = 'cp $CP_DIR/%f %p'
recovery_target_name = 'pile_cp'
recovery_target_action = 'promote'
archive_mode = off
EOF
      ;;
  esac
  R[$name.restore_command]=$(grep "^restore_command" "$dir/postgresql.auto.conf" | tail -n 1)
}

# Where the replay's time went, from the server log's timestamps (s): to the start of PITR (timeline history looked
# up through restore_command), to the first redo (the first segment fetched), to the restore point, to promoted.
phases() {
  awk '
    function t(line,  a, b) { split(line, a, " "); split(a[2], b, ":"); return b[1] * 3600 + b[2] * 60 + b[3] }
    /starting PostgreSQL/ && !s { s = t($0) }
    /starting point-in-time recovery/ && !p { p = t($0) }
    /redo starts at/ && !r { r = t($0) }
    /recovery stopping at/ && !e { e = t($0) }
    /database system is ready to accept connections/ && !d { d = t($0) }
    END { printf "%.1f %.1f %.1f %.1f", p - s, r - p, e - r, d - e }' "$1"
}

replay() {
  local name=$1 dir=$W/replay-$1 port t0 t1 state=t rows logf=$W/replay-$1.log n restored missing
  replay_prepare "$name" || return 0
  port=$(free_port)
  R[$name.rload]=$(loadavg)
  log "replaying the $name pile, load ${R[$name.rload]}"
  t0=$(now_ns)
  as_pg "$PGBIN/pg_ctl" -D "$dir" -l "$logf" \
    -o "-p $port -c archive_mode=off -c unix_socket_directories=$W -c listen_addresses=" start >/dev/null 2>&1 \
    || { problem "$name replay: the server did not start: $(tail -n 5 "$logf" | tr '\n' ' ')"; return 0; }
  # the log says when recovery ended; no process per poll
  for _ in $(seq 60000); do
    if grep -q -e 'database system is ready to accept connections' -e 'FATAL' -e 'database system is shut down' "$logf" 2>/dev/null; then break; fi
    sleep 0.02
  done
  t1=$(now_ns)
  for _ in $(seq 100); do
    state=$(sql "SELECT pg_is_in_recovery()" "$port" 2>/dev/null || echo t)
    [ "$state" = f ] && break; sleep 0.1
  done
  if [ "$state" != f ]; then
    problem "$name replay: recovery did not end with a promotion: $(grep -e FATAL -e 'recovery stopping' "$logf" | tail -n 3 | tr '\n' ' ')"
  else
    R[$name.replay]=$(secs "$t0" "$t1")
    n=${R[$name.segments]}
    R[$name.rrate]=$(awk -v n="$n" -v s="${R[$name.replay]}" 'BEGIN { printf "%.1f", n / s }')
    grep -q "recovery stopping at restore point \"pile_$name\"" "$logf" \
      || problem "$name replay: did not stop at restore point pile_$name: $(grep -e 'recovery stopping' -e 'redo done' "$logf" | tr '\n' ' ')"
    restored=$W/restored-$name.txt
    sed -n 's/.*restored log file "\([0-9A-F]\{24\}\)" from archive.*/\1/p' "$logf" | sort -u >"$restored"
    R[$name.fetched]=$(wc -l <"$restored")
    awk -v rp="${R[$name.rp_seg]}" '$0 <= rp' "$W/pile-$name.txt" >"$W/needed-$name.txt"
    missing=$(comm -23 "$W/needed-$name.txt" "$restored" | wc -l)
    [ "$missing" = 0 ] || problem "$name replay: $missing of the $(wc -l <"$W/needed-$name.txt") segments of the pile up to the restore point (${R[$name.rp_seg]}) were not restored, e.g. $(comm -23 "$W/needed-$name.txt" "$restored" | head -n 3 | tr '\n' ' ')"
    rows=$(sql "SELECT count(*) FROM bulk WHERE pile = '$name'" "$port" 2>&1 || true)
    if [ "$rows" = "${R[$name.rows]}" ]; then R[$name.check]=ok; else
      R[$name.check]=WRONG; problem "$name replay: bulk has '$rows' rows of pile $name, the primary had ${R[$name.rows]}"; fi
    R[$name.phases]=$(phases "$logf")
    log "$name replayed its $n-segment pile in ${R[$name.replay]} s (${R[$name.rrate]} segments/s), ${R[$name.fetched]} files restored, rows ${R[$name.check]}"
  fi
  local pf; pf=$(cat "$dir/pg_wal/pgvault-prefetch/prefetch.pid" 2>/dev/null || true)
  as_pg "$PGBIN/pg_ctl" -D "$dir" stop -m fast -w >/dev/null 2>&1 || true
  if [ -n "$pf" ]; then # the prefetcher notices its server is gone; let it finish before the next measurement
    for _ in $(seq 100); do kill -0 "$pf" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pf" 2>/dev/null && problem "$name replay: the prefetcher (pid $pf) still runs 10 s after its server stopped"
  fi
  [ "$name" != pgvault ] || cp "$dir/pg_wal/pgvault-prefetch/prefetch.log" "$W/prefetch-$name.log" 2>/dev/null || true
  rm -rf "$dir"
}
for c in $CONTENDERS; do replay "$c"; done
LOAD_END=$(loadavg)

# ---------------------------------------------------------------------------------------------------- 6. the table
v() { echo "${R[$1]:-FAILED}"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b + 0 > 0) printf "%.2f", a / b; else printf "-" }'; }
row() { # label pgvault pgbackrest cp
  printf '%-44s %10s %10s %9s %10s %9s\n' "$1" "$2" "$3" "$(ratio "$2" "$3")" "$4" "$(ratio "$2" "$4")"
}
has() { case " $CONTENDERS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
val() { if has "$1"; then v "$1.$2"; else echo -; fi; }
mibv() { local x; x=$(val "$1" "$2"); if [[ "$x" =~ ^[0-9]+$ ]]; then awk -v b="$x" 'BEGIN { printf "%.1f", b / 1048576 }'; else echo "$x"; fi; }
target() { # label value goal
  if [ "$2" = - ]; then printf '  %-60s %s\n' "$1" "not measured"
  elif awk -v a="$2" -v g="$3" 'BEGIN { exit !(a + 0 >= g) }'; then printf '  %-60s %s (met)\n' "$1" "$2"
  else printf '  %-60s %s (NOT met)\n' "$1" "$2"; fi
}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
GIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
{
  echo "WAL archive drain and recovery replay: pgvault vs pgBackRest vs cp -- $STAMP"
  echo "pgvault $("$PGV" --version 2>/dev/null | awk '{print $2}') (dist $DIST, checkout $GIT), $("$PGBACKREST" version),"
  echo "PostgreSQL $PG_VERSION, $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo), load average $LOAD_START at start, $LOAD_END at end"
  echo "settings: SEGMENTS=$SEGMENTS, $JOBS archive jobs / process-max $JOBS, $COMPRESS $LEVEL_NAME on both sides,"
  echo "  replay: pgvault --fetch-jobs $FETCH_JOBS --fetch-ahead $FETCH_AHEAD, pgBackRest process-max $JOBS archive-get-queue-max $((FETCH_AHEAD * 16))MiB; local filesystem repositories"
  echo
  printf '%-44s %10s %10s %9s %10s %9s\n' metric pgvault pgbackrest pgv/pgbr cp pgv/cp
  printf '%s\n' "$(printf '%.0s-' $(seq 98))"
  row "pile: segments (16 MiB)" "$(val pgvault segments)" "$(val pgbackrest segments)" "$(val cp segments)"
  row "archive drain: wall time (s)" "$(val pgvault drain)" "$(val pgbackrest drain)" "$(val cp drain)"
  row "archive drain: segments/s" "$(val pgvault rate)" "$(val pgbackrest rate)" "$(val cp rate)"
  row "  pgvault: segments/s once the agent ran" "$(val pgvault steady)" - -
  row "archive drain: CPU of the archiving (s)" "$(val pgvault cpu)" "$(val pgbackrest cpu)" "$(val cp cpu)"
  row "archive drain: CPU per segment (s)" "$(val pgvault cpu_seg)" "$(val pgbackrest cpu_seg)" "$(val cp cpu_seg)"
  row "archive drain: archive_command failures" "$(val pgvault failed)" "$(val pgbackrest failed)" "$(val cp failed)"
  row "archive drain: pile segments missing in repo" "$(val pgvault missing)" "$(val pgbackrest missing)" "$(val cp missing)"
  row "pile stored in the repository (MiB)" "$(mibv pgvault stored)" "$(mibv pgbackrest stored)" "$(mibv cp stored)"
  row "recovery replay: start to promoted (s)" "$(val pgvault replay)" "$(val pgbackrest replay)" "$(val cp replay)"
  row "recovery replay: pile segments/s" "$(val pgvault rrate)" "$(val pgbackrest rrate)" "$(val cp rrate)"
  row "recovery replay: WAL files restored" "$(val pgvault fetched)" "$(val pgbackrest fetched)" "$(val cp fetched)"
  row "recovery replay: rows of the pile" "$(val pgvault check)" "$(val pgbackrest check)" "$(val cp check)"
  echo
  echo "Targets (ratios of segments/s, above 1 is pgvault faster):"
  target "archive drain: pgvault / pgBackRest >= 1.5" "$(ratio "$(val pgvault rate)" "$(val pgbackrest rate)")" 1.5
  target "archive drain: pgvault / cp >= 0.9" "$(ratio "$(val pgvault rate)" "$(val cp rate)")" 0.9
  target "recovery replay: pgvault / pgBackRest >= 1.5" "$(ratio "$(val pgvault rrate)" "$(val pgbackrest rrate)")" 1.5
  echo
  echo "Replay phases (s, from the server logs): history lookup | first segment | redo of the pile | end (history, promotion):"
  for c in $CONTENDERS; do printf '  %-11s %s\n' "$c" "$(echo "${R[$c.phases]:--}" | sed 's/ / | /g')"; done
  echo "1-minute load average before each measurement:"
  for c in $CONTENDERS; do printf '  %-11s drain %s, replay %s\n' "$c" "${R[$c.load]:--}" "${R[$c.rload]:--}"; done
  if has pgvault; then
    echo "pgvault agent: wrote agent.pid ${R[pgvault.agent_up]:--} s after the release; ${R[pgvault.agent_cpu]:--} s CPU during the drain"
    echo "  (JVM start included); status: ${R[pgvault.agent_status]:--}"
  fi
  echo
  echo "Notes:"
  echo "- Each contender gets its own fresh pile: archiving paused (archive_command 'exit 1'), pgbench transactions,"
  echo "  an UPDATE of pgbench_accounts and bulk text inserts until $SEGMENTS segments are .ready, a restore point and"
  echo "  one WAL switch to close the pile. Then the contender's archive_command is set and reloaded; the drain is timed"
  echo "  until no segment of the pile is .ready (and last_archived_wal reached its end). pgvault's agent"
  echo "  (agent --spool --archive-jobs $JOBS) is started at that same moment, JVM start included; until it runs,"
  echo "  bin/pgvault-wal-push falls back to a synchronous pgvault wal-push. pgBackRest: archive-async=y, process-max=$JOBS."
  echo "  cp: test ! -f DIR/%f && cp %p DIR/%f (no compression, no fsync)."
  echo "- CPU of the archiving: what PostgreSQL's archiver reaped from archive_command (scripts, synchronous JVMs, cp,"
  echo "  pgBackRest's foreground archive-push) plus the detached workers sampled every 0.2 s (pgvault's agent JVM, JVM"
  echo "  start included; pgBackRest's async and local processes); less sensitive to the load than wall times."
  echo "- Each pile is checked segment by segment in its repository (listing), and in the replay's server log up to"
  echo "  the segment of its restore point (autovacuum may have written a little WAL after it, in the last segment)."
  echo "- Replay: each tool's base backup was taken just before its pile; pgvault restore / pgbackrest restore"
  echo "  (--type=name) / pg_basebackup + cp restore_command into a new directory, recovery_target_name at the pile's"
  echo "  end, promote; timed from pg_ctl start until the log says it accepts connections (promoted), then checked with"
  echo "  pg_is_in_recovery() and the pile's row count. Segments/s counts the pile only (a few more segments of the"
  echo "  base backup are replayed too)."
  echo "- 2 cores, shared: other work shows in the load averages above; read the ratios with that in mind."
  if [ ${#PROBLEMS[@]} -gt 0 ]; then
    echo
    echo "Problems:"
    for p in "${PROBLEMS[@]}"; do echo "PROBLEM: $p"; done
  fi
} >"$W/report.txt"
mkdir -p "$RESULTS_DIR"
OUT=$RESULTS_DIR/$STAMP-wal-seg$SEGMENTS.txt
cp "$W/report.txt" "$OUT"
echo
cat "$OUT"
echo
echo "results written to $OUT"
[ ${#PROBLEMS[@]} -eq 0 ]
