#!/usr/bin/env bash
# The metrics flush and the rollup job at 10x today's key count: WAL bytes and rows written per
# 100,000 events, rollup time per run (see bench/rollup/RollupBench.java). A few minutes; it uses
# one core most of the time (PostgreSQL and the bench take turns), so on a shared machine figures
# vary by tens of per cent between runs: compare runs made back to back.
# Usage: bench/rollup/run.sh [WORKTREE]   (default: this one; e.g. a worktree of main for "before")
#        EVENTS=100000 MINUTES=5 bench/rollup/run.sh
#        FILLFACTOR=100 bench/rollup/run.sh   (minute partitions without room for HOT updates)
# Builds WORKTREE's processor-service (and its modules) with Maven (offline, no install) first.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TREE="$(cd "${1:-$ROOT}" && pwd)"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
CP_FILE="$TREE/processor-service/target/rollup-bench.classpath"
(cd "$TREE" && ./mvnw -o -B -q -pl processor-service -am compile dependency:build-classpath \
  -Dmdep.outputFile="$CP_FILE" -Dmdep.includeScope=test)
CP="$TREE/processor-service/target/classes:$(cat "$CP_FILE")"
exec "$JAVA_HOME/bin/java" -Xmx1g --sun-misc-unsafe-memory-access=allow \
  -Dapps="${APPS:-10}" -Dnames="${NAMES:-10000}" -Dpartitions="${PARTITIONS:-12}" \
  -Devents="${EVENTS:-300000}" -Dminutes="${MINUTES:-10}" -Dfillfactor="${FILLFACTOR:-}" \
  -cp "$CP" "$ROOT/bench/rollup/RollupBench.java"
