#!/usr/bin/env bash
# Agent overhead: the example app (Spring Boot, JDBC on H2) under the same load with no agent,
# with Upbeat's agent (the Spring Boot starter), with the OpenTelemetry Java agent 2.22.0 and with
# the Elastic APM Java agent 1.55.1, all reporting to one loopback sink, in one run.
# The legs alternate, ROUNDS times (default 2), and each figure is the median of its rounds, so a
# drift of the machine during the run hits every leg alike rather than one.
# Usage: ./mvnw -B package -DskipTests && bench/agent-overhead/run.sh
#        DURATION=60 ROUNDS=3 LEGS="none upbeat" bench/agent-overhead/run.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
JAVA="$JAVA_HOME/bin/java"
DURATION="${DURATION:-30}"
WARMUP="${WARMUP:-15}"
CONNECTIONS="${CONNECTIONS:-16}"
THREADS="${THREADS:-2}"
LEGS="${LEGS:-none upbeat otel elastic}"
ROUNDS="${ROUNDS:-2}"
APP_PORT="${APP_PORT:-8090}"
SINK_PORT="${SINK_PORT:-8299}"
APP_JAVA_OPTS="${APP_JAVA_OPTS:--Xmx512m -XX:+UseParallelGC}"
OTEL_VERSION=2.22.0
ELASTIC_VERSION=1.55.1
M2="${HOME}/.m2/repository"
OTEL_JAR="$M2/io/opentelemetry/javaagent/opentelemetry-javaagent/$OTEL_VERSION/opentelemetry-javaagent-$OTEL_VERSION.jar"
ELASTIC_JAR="$M2/co/elastic/apm/elastic-apm-agent/$ELASTIC_VERSION/elastic-apm-agent-$ELASTIC_VERSION.jar"
APP_JAR="$ROOT/example-app/target/example-app.jar"
CP="$ROOT/bench/target/upbeat-bench.jar:$ROOT/bench/target/lib/*"
OUT="$ROOT/bench/agent-overhead/.last-run"
mkdir -p "$OUT"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
[[ -f "$APP_JAR" && -f "$ROOT/bench/target/upbeat-bench.jar" ]] || { log "build first: ./mvnw -B package -DskipTests"; exit 1; }
command -v wrk >/dev/null || { log "installing wrk"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
for a in "io.opentelemetry.javaagent:opentelemetry-javaagent:$OTEL_VERSION" "co.elastic.apm:elastic-apm-agent:$ELASTIC_VERSION"; do
  f="$M2/$(echo "$a" | cut -d: -f1 | tr . /)/$(echo "$a" | cut -d: -f2)/$(echo "$a" | cut -d: -f3)/$(echo "$a" | cut -d: -f2)-$(echo "$a" | cut -d: -f3).jar"
  [[ -f "$f" ]] || (cd "$ROOT" && ./mvnw -B -q -N dependency:get -Dartifact="$a")
done

SINK_PID="" APP_PID=""
cleanup() { [[ -n "$APP_PID" ]] && kill "$APP_PID" 2>/dev/null; [[ -n "$SINK_PID" ]] && kill "$SINK_PID" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT

"$JAVA" -cp "$CP" io.upbeat.bench.agent.Sink "$SINK_PORT" > "$OUT/sink.log" 2>&1 &
SINK_PID=$!
sink="http://127.0.0.1:$SINK_PORT"

leg_opts() { # LEG -> extra JVM options and environment for the app
  case "$1" in
    none) echo "-Dupbeat.enabled=false" ;;
    upbeat) echo "-Dupbeat.server-url=$sink -Dupbeat.secret-token=bench -Dupbeat.app-packages=io.upbeat.example" ;;
    otel) echo "-Dupbeat.enabled=false -javaagent:$OTEL_JAR -Dotel.service.name=shop -Dotel.exporter.otlp.protocol=http/protobuf -Dotel.exporter.otlp.endpoint=$sink -Dotel.metrics.exporter=none -Dotel.logs.exporter=none" ;;
    elastic) echo "-Dupbeat.enabled=false -javaagent:$ELASTIC_JAR -Delastic.apm.service_name=shop -Delastic.apm.server_url=$sink -Delastic.apm.application_packages=io.upbeat.example -Delastic.apm.central_config=false -Delastic.apm.metrics_interval=0s -Delastic.apm.log_level=WARN" ;;
  esac
}

rm -f "$OUT"/rounds-*.txt
for round in $(seq 1 "$ROUNDS"); do
for leg in $LEGS; do
  log "$leg (round $round/$ROUNDS): starting the example app"
  # shellcheck disable=SC2046
  PORT="$APP_PORT" "$JAVA" $APP_JAVA_OPTS $(leg_opts "$leg") -jar "$APP_JAR" > "$OUT/app-$leg.log" 2>&1 &
  APP_PID=$!
  for _ in $(seq 1 240); do curl -sf "http://127.0.0.1:$APP_PORT/users/42" >/dev/null && break; sleep 0.5; done
  curl -sf "http://127.0.0.1:$APP_PORT/users/42" >/dev/null || { log "$leg: app did not start (log: $OUT/app-$leg.log)"; exit 1; }
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" "http://127.0.0.1:$APP_PORT/users/42" > /dev/null
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "http://127.0.0.1:$APP_PORT/users/42" > "$OUT/wrk-$leg-$round.txt"
  rps="$(awk '/^Requests\/sec/ {print $2}' "$OUT/wrk-$leg-$round.txt")"
  p50="$(awk '$1 == "50%" {print $2}' "$OUT/wrk-$leg-$round.txt")"
  p99="$(awk '$1 == "99%" {print $2}' "$OUT/wrk-$leg-$round.txt")"
  rss="$(awk '/^VmRSS/ {printf "%d", $2 / 1024}' "/proc/$APP_PID/status")"
  kill "$APP_PID"; wait "$APP_PID" 2>/dev/null || true; APP_PID=""
  to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us/, "", v); printf "%.2f", v / 1000 } else if (v ~ /ms$/) { sub(/ms/, "", v); printf "%.2f", v } else { sub(/s/, "", v); printf "%.2f", v * 1000 } }'; }
  echo "$rps $(to_ms "$p50") $(to_ms "$p99") $rss" >> "$OUT/rounds-$leg.txt"
  log "$leg (round $round): $rps requests/s, p50 $p50, p99 $p99"
done
done

median() { sort -n | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
printf '| Agent | Requests/s (median of %s) | p50 ms | p99 ms | Throughput vs no agent | RSS MB | Requests/s per round |\n|---|---|---|---|---|---|---|\n' "$ROUNDS" > "$OUT/table.md"
base=""
for leg in $LEGS; do
  f="$OUT/rounds-$leg.txt"
  rps="$(cut -d' ' -f1 "$f" | median)"
  p50="$(cut -d' ' -f2 "$f" | median)"
  p99="$(cut -d' ' -f3 "$f" | median)"
  rss="$(cut -d' ' -f4 "$f" | median)"
  [[ -z "$base" ]] && base="$rps"
  ratio="$(awk -v a="$rps" -v b="$base" 'BEGIN {printf "%.3f", a / b}')"
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$leg" "$rps" "$p50" "$p99" "$ratio" "$rss" "$(cut -d' ' -f1 "$f" | paste -sd' ')" >> "$OUT/table.md"
done
cat "$OUT/table.md"
