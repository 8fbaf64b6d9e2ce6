#!/usr/bin/env bash
# Agent overhead: the example app (Spring Boot, JDBC on H2) under the same load with no agent,
# with Upbeat's agent (the Spring Boot starter), with the OpenTelemetry Java agent 2.22.0 and with
# the Elastic APM Java agent 1.55.1, all reporting to one loopback sink, in one run.
#
# One app per leg runs for the whole benchmark (each on its own port). After a warm-up, wrk loads
# them in turn, one short window each, ROUNDS times, starting each round with a different leg; each
# window is compared with the no-agent window of its own round. A drift of the machine during the
# run therefore hits every leg alike, and the spread of the paired ratios shows how far a figure
# can be trusted. With two or more CPUs the apps share the last CPU and wrk and the sink get the
# others (PIN=0 turns this off), so the load generator never takes CPU from the app it measures.
#
# Usage: ./mvnw -B package -DskipTests && bench/agent-overhead/run.sh
#        ROUNDS=20 LEGS="none upbeat" bench/agent-overhead/run.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
JAVA="$JAVA_HOME/bin/java"
DURATION="${DURATION:-10}"   # seconds measured per window
LEAD="${LEAD:-2}"            # seconds of unmeasured load before each window (caches after a switch)
WARMUP="${WARMUP:-20}"       # seconds of load per app, then one unrecorded round, before round 1
ROUNDS="${ROUNDS:-8}"
CONNECTIONS="${CONNECTIONS:-16}"
THREADS="${THREADS:-2}"
LEGS="${LEGS:-none upbeat otel elastic}"
PIN="${PIN:-1}"
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

# CPU placement: the apps on the last CPU, everything else on the rest.
CPUS="$(nproc)"
APP_PIN="" LOAD_PIN=""
if [[ "$PIN" == 1 && "$CPUS" -ge 2 ]] && command -v taskset >/dev/null; then
  APP_PIN="taskset -c $((CPUS - 1))"
  LOAD_PIN="taskset -c 0-$((CPUS - 2))"
fi

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# shellcheck disable=SC2086
$LOAD_PIN "$JAVA" -Xmx256m -cp "$CP" io.upbeat.bench.agent.Sink "$SINK_PORT" > "$OUT/sink.log" 2>&1 &
PIDS+=($!)
sink="http://127.0.0.1:$SINK_PORT"

leg_opts() { # LEG -> extra JVM options and environment for the app
  case "$1" in
    none) echo "-Dupbeat.enabled=false" ;;
    upbeat) echo "-Dupbeat.server-url=$sink -Dupbeat.secret-token=bench -Dupbeat.app-packages=io.upbeat.example" ;;
    otel) echo "-Dupbeat.enabled=false -javaagent:$OTEL_JAR -Dotel.service.name=shop -Dotel.exporter.otlp.protocol=http/protobuf -Dotel.exporter.otlp.endpoint=$sink -Dotel.metrics.exporter=none -Dotel.logs.exporter=none" ;;
    elastic) echo "-Dupbeat.enabled=false -javaagent:$ELASTIC_JAR -Delastic.apm.service_name=shop -Delastic.apm.server_url=$sink -Delastic.apm.application_packages=io.upbeat.example -Delastic.apm.central_config=false -Delastic.apm.metrics_interval=0s -Delastic.apm.log_level=WARN" ;;
    *) log "unknown leg $1"; exit 1 ;;
  esac
}

read -r -a legs <<< "$LEGS"
declare -A PORT PID
i=0
for leg in "${legs[@]}"; do
  PORT[$leg]=$((APP_PORT + i)); i=$((i + 1))
  log "$leg: starting the example app on port ${PORT[$leg]}${APP_PIN:+ ($APP_PIN)}"
  # shellcheck disable=SC2046,SC2086
  PORT="${PORT[$leg]}" $APP_PIN "$JAVA" $APP_JAVA_OPTS $(leg_opts "$leg") -jar "$APP_JAR" > "$OUT/app-$leg.log" 2>&1 &
  PID[$leg]=$!; PIDS+=($!)
  url="http://127.0.0.1:${PORT[$leg]}/users/42"
  for _ in $(seq 1 240); do curl -sf "$url" >/dev/null && break; sleep 0.5; done
  curl -sf "$url" >/dev/null || { log "$leg: app did not start (log: $OUT/app-$leg.log)"; exit 1; }
done

load() { # PORT SECONDS [--latency] -> wrk's report
  # shellcheck disable=SC2086
  $LOAD_PIN wrk -t"$THREADS" -c"$CONNECTIONS" -d"${2}s" ${3:-} "http://127.0.0.1:$1/users/42"
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
quiesce() { # PID: waits (at most 30 s) until the process has used under 4% of a CPU for 1 s
  local hz last now calm=0
  hz="$(getconf CLK_TCK)"; last="$(cpu_ticks "$1")"
  for _ in $(seq 1 60); do
    sleep 0.5; now="$(cpu_ticks "$1")"
    if (( (now - last) * 100 <= hz * 2 )); then calm=$((calm + 1)); else calm=0; fi
    last="$now"
    (( calm >= 2 )) && return 0
  done
  log "pid $1 still busy after 30 s"
}
to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us/, "", v); printf "%.2f", v / 1000 } else if (v ~ /ms$/) { sub(/ms/, "", v); printf "%.2f", v } else { sub(/s/, "", v); printf "%.2f", v * 1000 } }'; }

for leg in "${legs[@]}"; do
  log "$leg: warming up for ${WARMUP}s"
  load "${PORT[$leg]}" "$WARMUP" > /dev/null
done

rm -f "$OUT"/rounds-*.txt "$OUT"/wrk-*.txt
ticks_per_s="$(getconf CLK_TCK)"
n="${#legs[@]}"
for round in $(seq 0 "$ROUNDS"); do # round 0 warms the interleaving itself and is not recorded
  for k in $(seq 0 $((n - 1))); do
    leg="${legs[$(((k + round - 1) % n))]}"
    port="${PORT[$leg]}"
    before="$(cpu_ticks "${PID[$leg]}")"
    lead="$(load "$port" "$LEAD" | awk '/requests in/ {print $1}')"
    load "$port" "$DURATION" --latency > "$OUT/wrk-$leg-$round.txt"
    # The app's CPU for these requests includes what its agent finishes after the load stops
    # (serialising, compressing, sending); waiting for it also keeps it out of the next window.
    quiesce "${PID[$leg]}"
    after="$(cpu_ticks "${PID[$leg]}")"
    f="$OUT/wrk-$leg-$round.txt"
    requests="$(( $(awk '/requests in/ {print $1}' "$f") + lead ))"
    rps="$(awk '/^Requests\/sec/ {print $2}' "$f")"
    p50="$(to_ms "$(awk '$1 == "50%" {print $2}' "$f")")"
    p99="$(to_ms "$(awk '$1 == "99%" {print $2}' "$f")")"
    cpu_us="$(awk -v t=$((after - before)) -v hz="$ticks_per_s" -v r="$requests" 'BEGIN {printf "%.1f", t / hz * 1e6 / r}')"
    (( round > 0 )) && echo "$round $rps $p50 $p99 $cpu_us" >> "$OUT/rounds-$leg.txt"
    log "$leg (round $round/$ROUNDS): $rps requests/s, p50 $p50 ms, p99 $p99 ms, app CPU $cpu_us us/request"
  done
done

median() { sort -g | awk '{v[NR] = $1} END {if (NR % 2) printf "%s", v[(NR + 1) / 2]; else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
# Mean of paired ratios with a 95 % confidence interval (Student's t), from one ratio per line.
mean_ci() { awk '{x[NR] = $1; s += $1} END {m = s / NR; for (i = 1; i <= NR; i++) q += (x[i] - m) ^ 2
  split("12.71 4.30 3.18 2.78 2.57 2.45 2.36 2.31 2.26 2.23 2.20 2.18 2.16 2.14 2.13 2.12 2.11 2.10 2.09 2.09", t, " ")
  df = NR - 1; tv = df < 1 ? 0 : (df <= 20 ? t[df] : (df <= 40 ? 2.03 : 1.98)); h = NR > 1 ? tv * sqrt(q / (NR - 1) / NR) : 0
  printf "%.3f ± %.3f", m, h}'; }
base="${legs[0]}"
{
  printf 'CPUs: %s, apps %s; %s rounds of %s s windows, %s connections, %s\n\n' "$CPUS" "${APP_PIN:-unpinned}" "$ROUNDS" "$DURATION" "$CONNECTIONS" "$(date -u '+%Y-%m-%d %H:%M UTC')"
  printf '| Agent | Requests/s (median) | Throughput vs %s: median of paired rounds | mean ± 95 %% CI | range | p50 ms | p99 ms | App CPU us/request | App CPU vs %s (median of paired rounds) | RSS MB |\n|---|---|---|---|---|---|---|---|---|---|\n' "$base" "$base"
} > "$OUT/table.md"
for leg in "${legs[@]}"; do
  f="$OUT/rounds-$leg.txt"
  # Paired ratios: this leg's window over the baseline's window of the same round.
  join <(sort -k1,1 "$f") <(sort -k1,1 "$OUT/rounds-$base.txt") > "$OUT/paired-$leg.txt"
  awk '{printf "%.4f\n", $2 / $6}' "$OUT/paired-$leg.txt" > "$OUT/ratios-$leg.txt"
  rss="$(awk '/^VmRSS/ {printf "%d", $2 / 1024}' "/proc/${PID[$leg]}/status")"
  printf '| %s | %s | %s | %s | %s–%s | %s | %s | %s | %s | %s |\n' "$leg" \
    "$(cut -d' ' -f2 "$f" | median)" \
    "$(median < "$OUT/ratios-$leg.txt")" "$(mean_ci < "$OUT/ratios-$leg.txt")" \
    "$(sort -g "$OUT/ratios-$leg.txt" | head -1)" "$(sort -g "$OUT/ratios-$leg.txt" | tail -1)" \
    "$(cut -d' ' -f3 "$f" | median)" "$(cut -d' ' -f4 "$f" | median)" "$(cut -d' ' -f5 "$f" | median)" \
    "$(awk '{printf "%.4f\n", $5 / $9}' "$OUT/paired-$leg.txt" | median)" "$rss" >> "$OUT/table.md"
done
cat "$OUT/table.md"
