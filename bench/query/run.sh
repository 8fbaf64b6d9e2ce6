#!/usr/bin/env bash
# Metrics API latency on 30 days of data for one app with 500 transaction names (see
# bench/src/main/java/io/upbeat/bench/query/QueryLatency.java). A few minutes.
# Usage: ./mvnw -B package -DskipTests && bench/query/run.sh
#        REQUESTS=1000 API_JAVA_OPTS="-Xmx1g" bench/query/run.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
JAVA="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
CP="$ROOT/bench/target/upbeat-bench.jar:$ROOT/bench/target/lib/*"
[[ -f "$ROOT/bench/target/upbeat-bench.jar" && -f "$ROOT/api-service/target/api-service.jar" ]] ||
  { echo "build first: ./mvnw -B package -DskipTests" >&2; exit 1; }
exec "$JAVA" -Xmx1g --sun-misc-unsafe-memory-access=allow \
  -Dupbeat.root="$ROOT" -Dwarmup="${WARMUP:-100}" -Drequests="${REQUESTS:-500}" \
  -DapiJavaOpts="${API_JAVA_OPTS:--Xmx512m -XX:+UseParallelGC --sun-misc-unsafe-memory-access=allow}" \
  -cp "$CP" io.upbeat.bench.query.QueryLatency
