#!/usr/bin/env bash
# DDSketch (Upbeat's LatencySketch) against HdrHistogram: JMH timings of insert, encode and an
# hour's decode+merge, then serialized sizes and worst quantile errors. About 2 minutes.
# Usage: ./mvnw -B package -DskipTests && bench/sketch/run.sh [extra JMH options]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
JAVA="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
CP="$ROOT/bench/target/upbeat-bench.jar:$ROOT/bench/target/lib/*"
[[ -f "$ROOT/bench/target/upbeat-bench.jar" ]] || { echo "build first: ./mvnw -B package -DskipTests" >&2; exit 1; }
"$JAVA" -cp "$CP" org.openjdk.jmh.Main 'io.upbeat.bench.sketch.SketchBenchmark' "$@"
echo
"$JAVA" -cp "$CP" io.upbeat.bench.sketch.SketchFootprint
