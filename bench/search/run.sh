#!/usr/bin/env bash
# Error search latency with a million error groups (see
# bench/src/main/java/io/upbeat/bench/search/ErrorSearchLatency.java). About ten minutes, most of
# it filling the groups and building the indexes.
# Usage: ./mvnw -B -pl api-service,bench -am package -DskipTests && bench/search/run.sh
#        ERROR_GROUPS=200000 REQUESTS=50 bench/search/run.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
JAVA="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
CP="$ROOT/bench/target/upbeat-bench.jar:$ROOT/bench/target/lib/*"
[[ -f "$ROOT/bench/target/upbeat-bench.jar" && -f "$ROOT/api-service/target/api-service.jar" ]] ||
  { echo "build first: ./mvnw -B -pl api-service,bench -am package -DskipTests" >&2; exit 1; }
exec "$JAVA" -Xmx1g --sun-misc-unsafe-memory-access=allow \
  -Dupbeat.root="$ROOT" -Dgroups="${ERROR_GROUPS:-1000000}" -Dwarmup="${WARMUP:-5}" \
  -Drequests="${REQUESTS:-20}" \
  -DapiJavaOpts="${API_JAVA_OPTS:--Xmx512m -XX:+UseParallelGC --sun-misc-unsafe-memory-access=allow}" \
  -cp "$CP" io.upbeat.bench.search.ErrorSearchLatency
