#!/usr/bin/env bash
# Processor-only throughput on a pre-filled topic, PostgreSQL included (see
# bench/src/main/java/io/upbeat/bench/processor/ProcessorThroughput.java for what is measured).
# Usage: ./mvnw -B package -DskipTests && bench/processor/run.sh
#        TRANSACTIONS=1000000 PROCESSOR_JAVA_OPTS="-Xmx512m" bench/processor/run.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
JAVA="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
CP="$ROOT/bench/target/upbeat-bench.jar:$ROOT/bench/target/lib/*"
[[ -f "$ROOT/bench/target/upbeat-bench.jar" && -f "$ROOT/processor-service/target/processor-service.jar" ]] ||
  { echo "build first: ./mvnw -B package -DskipTests" >&2; exit 1; }
exec "$JAVA" -Xmx2g -XX:+UseParallelGC --sun-misc-unsafe-memory-access=allow \
  -Dupbeat.root="$ROOT" \
  -Dtransactions="${TRANSACTIONS:-3000000}" \
  -DspreadMinutes="${SPREAD_MINUTES:-5}" \
  -DprocessorJavaOpts="${PROCESSOR_JAVA_OPTS:--Xmx1g -XX:+UseParallelGC --sun-misc-unsafe-memory-access=allow}" \
  -cp "$CP" io.upbeat.bench.processor.ProcessorThroughput
