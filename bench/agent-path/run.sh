#!/usr/bin/env bash
# What the agent adds to one request's own work (JMH, ns per request, 2 threads): the starter's
# transaction and JDBC wrapping around a pooled prepared query on in-memory H2, against the same
# work with the agent off, in one run. About 1 minute.
# Usage: ./mvnw -B package -DskipTests && bench/agent-path/run.sh [extra JMH options]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
JAVA="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
CP="$ROOT/bench/target/upbeat-bench.jar:$ROOT/bench/target/lib/*"
[[ -f "$ROOT/bench/target/upbeat-bench.jar" ]] || { echo "build first: ./mvnw -B package -DskipTests" >&2; exit 1; }
"$JAVA" -cp "$CP" org.openjdk.jmh.Main 'io.upbeat.spring.AgentPathBenchmark' "$@"
