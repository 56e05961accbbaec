#!/usr/bin/env bash
# JMH microbenchmarks of the codec, encryption and checksum paths (bench/src/main/java/io/pgvault/bench).
#   bash bench/jmh.sh                          # every benchmark
#   bash bench/jmh.sh 'CodecBenchmark.compress' -p codec=zstd,lz4   # a subset; any JMH option after the pattern
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT"
mvn -q -B -DskipTests install -pl bench -am >/dev/null
# the classpath goes through a file: on a terminal Maven's output carries colour codes even with -q
CPFILE=$(mktemp)
trap 'rm -f "$CPFILE"' EXIT
mvn -q -B -pl bench dependency:build-classpath -Dmdep.outputFile="$CPFILE" >/dev/null
CP=$(cat "$CPFILE")
java -cp "bench/target/classes:$CP" org.openjdk.jmh.Main "${@:-CodecBenchmark}"
