#!/usr/bin/env bash
# Installs what building and running pgvault needs on Debian, only what is missing (idempotent):
# a JDK 17, Maven, PostgreSQL's server programs, curl. Run as root (or with sudo available).
set -euo pipefail
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
missing=()
command -v javac >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v xz >/dev/null 2>&1 || missing+=(xz-utils)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql postgresql-contrib)
command -v pgbench >/dev/null 2>&1 || missing+=(postgresql-contrib)
for extra in "$@"; do dpkg -s "$extra" >/dev/null 2>&1 || missing+=("$extra"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=120 install -y -q --no-install-recommends \
    "${missing[@]}" >/dev/null
fi
# Debian starts a default cluster on install; pgvault's demo and tests make their own, so it is not needed
if command -v pg_lsclusters >/dev/null 2>&1 && pg_lsclusters -h 2>/dev/null | grep -q online; then :; fi
id postgres >/dev/null 2>&1 || { echo "the postgres OS user is missing (install the postgresql package)"; exit 1; }
