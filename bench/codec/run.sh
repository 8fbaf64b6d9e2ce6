#!/usr/bin/env bash
# Reading a record's timings from its JSON value vs the compact header intake writes beside it
# (io.upbeat.events.EventTimings), and what writing that header costs intake; the tail pipeline's
# TRACE_LINKS read next to a full decode (TimingsBenchmark); and the events value in JSON text
# (version 1) next to Smile (version 2), written and read by each pipeline (ValueFormatBenchmark).
# About 7 minutes.
# Usage: ./mvnw -B package -DskipTests && bench/codec/run.sh [benchmark regex] [extra JMH options]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
JAVA="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
CP="$ROOT/bench/target/upbeat-bench.jar:$ROOT/bench/target/lib/*"
[[ -f "$ROOT/bench/target/upbeat-bench.jar" ]] || { echo "build first: ./mvnw -B package -DskipTests" >&2; exit 1; }
"$JAVA" -cp "$CP" org.openjdk.jmh.Main "${1:-io.upbeat.bench.codec.}" "${@:2}"
