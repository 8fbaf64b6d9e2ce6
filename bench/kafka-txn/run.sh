#!/usr/bin/env bash
# Intake's Kafka transactions alone against a local broker, per broker retry backoff (see
# bench/src/main/java/io/upbeat/bench/kafka/TransactionLatency.java). About 45 s with the defaults.
# Usage: ./mvnw -B package -DskipTests && bench/kafka-txn/run.sh
#        BACKOFFS=20,5,1 LINGERS=0,5 WORKERS=2 RECORDS=4 SECONDS_MEASURED=15 bench/kafka-txn/run.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
JAVA="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
CP="$ROOT/bench/target/upbeat-bench.jar:$ROOT/bench/target/lib/*"
[[ -f "$ROOT/bench/target/upbeat-bench.jar" ]] || { echo "build first: ./mvnw -B package -DskipTests" >&2; exit 1; }
echo "| broker retry backoff ms | producer linger.ms | producers | records per transaction | transactions/s | flush p50 / p99 ms | commit p50 / p99 ms | CPU ms per transaction |"
echo "|---|---|---|---|---|---|---|---|"
"$JAVA" -Xmx1g -XX:+UseParallelGC --sun-misc-unsafe-memory-access=allow \
  -Dbackoffs="${BACKOFFS:-20,1}" -Dlingers="${LINGERS:-0}" -Dworkers="${WORKERS:-2}" -Drecords="${RECORDS:-4}" -Dseconds="${SECONDS_MEASURED:-15}" \
  -cp "$CP" io.upbeat.bench.kafka.TransactionLatency 2>/dev/null | grep '^|'
