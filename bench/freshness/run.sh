#!/usr/bin/env bash
# End-to-end freshness under load: 202 at intake -> row visible in PostgreSQL (see
# bench/src/main/java/io/upbeat/bench/freshness/Freshness.java). About 2 minutes.
# Usage: ./mvnw -B package -DskipTests && bench/freshness/run.sh
#        RATE=20000 DURATION=120 bench/freshness/run.sh
#        RATE=100000 bench/freshness/run.sh   (spread over ceil(RATE / 15000) apps; APPS=N to choose)
# Needs ports 8080, 8200 and 8081 free (API_PORT, INTAKE_PORT, PROCESSOR_PORT to change them).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
CP="$ROOT/bench/target/upbeat-bench.jar:$ROOT/bench/target/lib/*"
[[ -f "$ROOT/bench/target/upbeat-bench.jar" ]] || { echo "build first: ./mvnw -B package -DskipTests" >&2; exit 1; }
# Production-like service JVMs, as in bench/intake-load; the launcher (Kafka's broker) too.
export UPBEAT_DEV_JAVA_OPTS="${SERVER_JAVA_OPTS:--Xmx512m -XX:+UseParallelGC}"
export UPBEAT_LAUNCHER_JAVA_OPTS="${LAUNCHER_JAVA_OPTS:--Xmx1g -XX:+UseParallelGC}"
exec "$JAVA_HOME/bin/java" -Xmx512m --sun-misc-unsafe-memory-access=allow \
  -Dupbeat.root="$ROOT" \
  -Drate="${RATE:-10000}" ${APPS:+-Dapps="$APPS"} -Dwarmup="${WARMUP:-20}" -Dduration="${DURATION:-60}" \
  -DapiPort="${API_PORT:-8080}" -DintakePort="${INTAKE_PORT:-8200}" -DprocessorPort="${PROCESSOR_PORT:-8081}" \
  -cp "$CP" io.upbeat.bench.freshness.Freshness
