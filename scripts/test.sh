#!/usr/bin/env bash
# The whole test suite, from a fresh Debian machine: installs what is missing, starts the storage servers the
# integration tests talk to (s3proxy, Azurite, OpenStack Swift with Keystone and tempauth; each script is
# idempotent and fails loudly when its server cannot start), then runs `mvn verify` (unit tests, the storage
# contract suite on every adapter, and the end-to-end tests against real PostgreSQL clusters).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash scripts/install-deps.sh
command -v npm >/dev/null 2>&1 || bash scripts/install-deps.sh nodejs npm
echo "== starting test servers"
bash infra/s3proxy.sh
bash infra/azurite.sh
bash infra/swift.sh
echo "== servers up after $(( $(date +%s) - start ))s; running the suite"
mvn -B -ntp verify "$@"
echo "== suite finished in $(( $(date +%s) - start ))s"
