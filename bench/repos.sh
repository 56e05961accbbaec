#!/usr/bin/env bash
# Backup time of one pgbench database to every repository type on loopback, in one run:
# filesystem, S3 (s3proxy), Azure (Azurite) and Swift (Keystone v3). Needs the servers of infra/ running.
# SCALE (default 100), JOBS (default 2), PGVAULT_DIST (default cli/target/pgvault).
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE=${SCALE:-100}; JOBS=${JOBS:-2}
DIST_SRC=${PGVAULT_DIST:-cli/target/pgvault}
[ -x "$DIST_SRC/bin/pgvault" ] || mvn -q -B -DskipTests package -pl cli -am
W=$(mktemp -d /tmp/pgvault-repos.XXXXXX); chmod 755 "$W"
cp -r "$DIST_SRC" "$W/dist"; chmod -R a+rX "$W/dist"; mkdir -p "$W/repo"; chown -R postgres "$W"
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PORT=$((20000 + RANDOM % 20000))
cleanup() { runuser -u postgres -- "$BIN/pg_ctl" -D "$W/data" -m immediate stop >/dev/null 2>&1 || true; sleep 1; rm -rf "$W" 2>/dev/null || { sleep 3; rm -rf "$W"; }; }
trap cleanup EXIT
runuser -u postgres -- "$BIN/initdb" -k -D "$W/data" -U postgres --auth=trust >/dev/null
cat >> "$W/data/postgresql.conf" <<CONF
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$W'
archive_mode = on
archive_command = '/bin/true'
max_wal_size = 4GB
CONF
# the real archive_command is set after the load: the load's WAL is older than every backup measured here
cat > "$W/archive_command" <<CMD
'for r in file://$W/repo s3://bench-$PORT/pg azure://bench-$PORT/pg swift://bench-$PORT/pg; do $W/dist/bin/pgvault --repo \$r --cluster b wal-push %p || exit 1; done'
CMD
export AWS_ACCESS_KEY_ID=test-access-key AWS_SECRET_ACCESS_KEY=test-secret-key PGVAULT_S3_ENDPOINT=http://127.0.0.1:8081 \
  PGVAULT_S3_PATH_STYLE=true PGVAULT_AZURE_ENDPOINT=http://127.0.0.1:10000/devstoreaccount1 \
  PGVAULT_AZURE_ACCOUNT=devstoreaccount1 \
  AZURE_STORAGE_KEY=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw== \
  OS_AUTH_URL=http://127.0.0.1:5000/v3 OS_USERNAME=demo OS_PASSWORD=demopass OS_PROJECT_NAME=demo \
  OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default
runuser -u postgres --preserve-environment -- "$BIN/pg_ctl" -D "$W/data" -l "$W/log" -w start >/dev/null
for r in file://$W/repo s3://bench-$PORT/pg azure://bench-$PORT/pg swift://bench-$PORT/pg; do
  runuser -u postgres --preserve-environment -- "$W/dist/bin/pgvault" --repo "$r" --cluster b --pg-port "$PORT" init >/dev/null
done
"$BIN/pgbench" -h 127.0.0.1 -p "$PORT" -U postgres -i -s "$SCALE" -q postgres >/dev/null 2>&1
AC=$(cat "$W/archive_command")
runuser -u postgres -- psql -h "$W" -p "$PORT" -q -c "ALTER SYSTEM SET archive_command = $AC" \
  -c "SELECT pg_reload_conf()" -c "CHECKPOINT" postgres >/dev/null
printf '%-8s %10s %12s %10s\n' repo "seconds" "size(MiB)" "MiB/s"
for r in file://$W/repo s3://bench-$PORT/pg azure://bench-$PORT/pg swift://bench-$PORT/pg; do
  start=$(date +%s.%N)
  out=$(runuser -u postgres --preserve-environment -- "$W/dist/bin/pgvault" --repo "$r" --cluster b --pg-port "$PORT" \
        --pgdata "$W/data" --jobs "$JOBS" --json backup)
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  data=$(echo "$out" | sed -n 's/.*"dataSize" : \([0-9]*\).*/\1/p'); repo=$(echo "$out" | sed -n 's/.*"repoSize" : \([0-9]*\).*/\1/p')
  printf '%-8s %10.1f %12.1f %10.1f\n' "${r%%:*}" "$secs" "$(echo "$repo/1048576" | bc -l)" "$(echo "$data/1048576/$secs" | bc -l)"
done
echo "data: pgbench scale $SCALE, $(du -sm "$W/data/base" | cut -f1) MiB in base/; jobs $JOBS; load average $(cut -d' ' -f1-3 /proc/loadavg)"
