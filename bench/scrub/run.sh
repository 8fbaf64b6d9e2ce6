#!/usr/bin/env bash
# What scrubbing at intake costs per batch of 10 events (io.upbeat.events.Scrubber), two shapes, clean
# and full of secrets, next to encoding the same batch for Kafka. About 2 minutes.
# Usage: ./mvnw -B package -DskipTests && bench/scrub/run.sh [extra JMH options]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
JAVA="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
CP="$ROOT/bench/target/upbeat-bench.jar:$ROOT/bench/target/lib/*"
[[ -f "$ROOT/bench/target/upbeat-bench.jar" ]] || { echo "build first: ./mvnw -B package -DskipTests" >&2; exit 1; }
"$JAVA" -cp "$CP" org.openjdk.jmh.Main 'io.upbeat.bench.scrub.ScrubBenchmark' "$@"
