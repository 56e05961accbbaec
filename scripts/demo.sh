#!/usr/bin/env bash
# One command from a fresh Debian machine to a passing `pgvault demo`: installs what is missing, builds the
# launcher (cli/target/pgvault), and runs the end-to-end demo on a throwaway cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
[ -x cli/target/pgvault/bin/pgvault ] || mvn -q -B -DskipTests package -pl cli -am
exec cli/target/pgvault/bin/pgvault demo "$@"
