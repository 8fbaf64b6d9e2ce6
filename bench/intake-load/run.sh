#!/usr/bin/env bash
# Load test of Upbeat's intake-service against Zipkin server 3.5.1 as a baseline, in one run on the
# same machine: each server gets batches of BATCH_SIZE items over CONNECTIONS keep-alive connections
# on loopback (wrk, closed loop), WARMUP seconds first, then DURATION seconds measured. Prints a
# Markdown table (requests/s, items/s, p50/p99 latency, server RSS and CPU) and the intake/Zipkin
# ratio for items/s. See README.md for what each row means and why Zipkin runs in two profiles.
#
# Usage: bench/intake-load/run.sh            (3 to 4 minutes with the defaults)
#        DURATION=10 LEGS=zipkin bench/intake-load/run.sh
# Exit: 0 all legs measured, 3 a leg was skipped (reason printed), anything else the harness failed.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

DURATION="${DURATION:-30}"            # measured seconds per server
# Seconds of load before measuring. The platform is four JVMs on two cores: after 10 s their C2
# compilers still took half a core during the measured window (docs/benchmarks.md, M11), and
# intake's throughput kept rising until about 90 s. Zipkin gets the same warm-up.
WARMUP="${WARMUP:-90}"
ZIPKIN_WARMUP="${ZIPKIN_WARMUP:-$WARMUP}" # Zipkin's alone, should a quick run want it shorter
# After the intake leg, the processor is stopped (SIGSTOP) and intake measured again, warm, for
# PAUSED_DURATION seconds after PAUSED_WARMUP: intake and Kafka without the platform's consumer
# competing for the cores. 0 skips that row.
PAUSED_DURATION="${PAUSED_DURATION:-$DURATION}"
PAUSED_WARMUP="${PAUSED_WARMUP:-5}"
CONNECTIONS="${CONNECTIONS:-16}"
THREADS="${THREADS:-2}"               # wrk threads; the machine has 2 cores shared with the server
BATCHES="${BATCHES:-200}"             # distinct request bodies per format
BATCH_SIZE="${BATCH_SIZE:-100}"       # items per request
LEGS="${LEGS:-zipkin intake}"
ZIPKIN_PROFILES="${ZIPKIN_PROFILES:-decode mem}"
ZIPKIN_VERSION="${ZIPKIN_VERSION:-3.5.1}"
ZIPKIN_PORT="${ZIPKIN_PORT:-9411}"
# Zipkin's default (500000) cannot fit in a 512 MB heap at ~4 KB of heap per stored span.
ZIPKIN_MEM_MAX_SPANS="${ZIPKIN_MEM_MAX_SPANS:-25000}"
API_PORT="${API_PORT:-8080}"
INTAKE_PORT="${INTAKE_PORT:-8200}"
PROCESSOR_PORT="${PROCESSOR_PORT:-8081}"
# Production-like flags for every server JVM, the same for Zipkin and Upbeat. The dev launcher's
# own defaults (-XX:TieredStopAtLevel=1, SerialGC) favour start-up and would understate throughput.
SERVER_JAVA_OPTS="${SERVER_JAVA_OPTS:--Xmx512m -XX:+UseParallelGC}"
# Intake limits each app to upbeat.intake.events-per-second-per-app (20000 by default) and answers
# 429 beyond; the benchmark sends as one app, so by default the limit is lifted to measure intake
# itself. Set it empty to keep intake's own default, or to a number to test the limiter.
INTAKE_EVENTS_PER_SECOND="${INTAKE_EVENTS_PER_SECOND-100000000}"

CACHE="$HERE/.cache"
OUT="$CACHE/last-run"                 # payloads, wrk output and server logs of the latest run
ZIPKIN_JAR="$CACHE/zipkin-server-$ZIPKIN_VERSION-exec.jar"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------
# Processes started here, stopped on any exit (including Ctrl-C and failures under set -e).
ZIPKIN_PID=""
UPBEAT_PID=""
UPBEAT_DATA=""
PAUSED_PID=""                          # the processor while it is stopped (SIGSTOP)

stop_pid() { # PID SECONDS: SIGTERM, then SIGKILL if it is still alive after SECONDS
  local pid="$1" grace="$2"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 $((grace * 10))); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  log "pid $pid still alive after ${grace}s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  # A stopped process handles no SIGTERM: let the processor run again before the launcher stops it.
  [[ -z "$PAUSED_PID" ]] || kill -CONT "$PAUSED_PID" 2>/dev/null || true
  stop_pid "$ZIPKIN_PID" 30
  # The launcher stops its services, Kafka and PostgreSQL on SIGTERM; give it time to do so.
  stop_pid "$UPBEAT_PID" 60
  if [[ -n "$UPBEAT_DATA" && -d "$UPBEAT_DATA" ]]; then
    cp -r "$UPBEAT_DATA/logs" "$OUT/upbeat-logs" 2>/dev/null || true
    rm -rf "$UPBEAT_DATA"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
# Tools

pick_java() {
  # A JDK 21+ is needed by ./upbeat dev; Temurin 25 is the project's reference JDK.
  local candidates=("${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64)
  for home in "${candidates[@]}"; do
    [[ -n "$home" && -x "$home/bin/java" ]] || continue
    local major
    major="$("$home/bin/java" -XshowSettings:properties -version 2>&1 |
      awk -F'= ' '/java.specification.version/ {print $2}' | cut -d. -f1)"
    if [[ -n "$major" && "$major" -ge 21 ]]; then
      export JAVA_HOME="$home"
      JAVA_MAJOR="$major"
      return 0
    fi
  done
  die "no JDK 21+ found: set JAVA_HOME (e.g. /usr/lib/jvm/temurin-25-jdk-amd64)"
}

ensure_tools() {
  if ! command -v wrk >/dev/null 2>&1; then
    log "installing wrk (Debian package)"
    [[ "$(id -u)" -eq 0 ]] || die "wrk is missing; install it (apt-get install wrk) or run as root"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  fi
  for tool in python3 curl timeout; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is required"
  done
  pick_java
  if [[ "$JAVA_MAJOR" -ge 24 ]]; then
    # Kafka's client and Netty call sun.misc.Unsafe, which Java 24+ warns about at every start;
    # this only silences the warning, as ./upbeat dev's own defaults do.
    SERVER_JAVA_OPTS="$SERVER_JAVA_OPTS --sun-misc-unsafe-memory-access=allow"
  fi
}

fetch_zipkin() {
  [[ -f "$ZIPKIN_JAR" ]] && return 0
  log "fetching io.zipkin:zipkin-server:$ZIPKIN_VERSION:exec from Maven Central"
  mkdir -p "$CACHE"
  local artifact="io.zipkin:zipkin-server:$ZIPKIN_VERSION:jar:exec"
  if command -v mvn >/dev/null 2>&1; then
    (cd "$CACHE" && mvn -B -q dependency:copy -Dartifact="$artifact" -DoutputDirectory="$CACHE")
  else
    # -N: the goal needs no module of the project, only a pom to run in.
    (cd "$ROOT" && ./mvnw -B -q -N dependency:copy -Dartifact="$artifact" -DoutputDirectory="$CACHE")
  fi
  [[ -f "$ZIPKIN_JAR" ]] || die "Zipkin jar not found at $ZIPKIN_JAR after the fetch"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# ---------------------------------------------------------------------------------------------
# Measurement

rss_mb() { awk -v k="$2:" '$1 == k {printf "%d", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo "?"; }
# utime + stime of the given PIDs, in clock ticks (a PID that is gone counts 0).
cpu_ticks() {
  local pid sum=0
  for pid in "$@"; do
    sum=$((sum + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$sum"
}
# Busy and total ticks of the whole machine, all cores.
machine_ticks() { awk '/^cpu / {t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t}' /proc/stat; }
# pct TICKS SECONDS: CPU use in % of one core (200 = both cores of this machine).
pct() { awk -v d="$1" -v s="$2" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%d", 100 * d / hz / s}'; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }

# run_wrk LABEL URL PAYLOAD_DIR TOKEN SECONDS: one wrk run; prints its RESULT line.
run_wrk() {
  local label="$1" url="$2" dir="$3" token="$4" secs="$5" out="$OUT/wrk-$1.txt"
  # timeout: wrk stops by itself after -d, this bounds it should a server stop answering.
  PAYLOAD_DIR="$dir" AUTH_TOKEN="$token" ITEMS_PER_REQUEST="$BATCH_SIZE" LABEL="$label" \
    timeout --kill-after=5 $((secs + 30)) \
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${secs}s" --timeout 10s --latency \
    -s "$HERE/post.lua" "$url" >"$out" 2>&1 || { cat "$out" >&2; return 1; }
  grep '^RESULT ' "$out" || { cat "$out" >&2; return 1; }
  grep '^REJECTED ' "$out" || true
}

# load_server NAME URL PAYLOAD_DIR TOKEN PID [OTHER_PIDS]: warm-up, measured run, RSS and CPU of
# PID, CPU of OTHER_PIDS (processes the server needs, competing for the same cores); adds a row.
ROWS=()
NOTES=()
declare -A ITEMS_PER_S
load_server() {
  local name="$1" url="$2" dir="$3" token="$4" pid="$5" others="${6:-}"
  log "$name: warm-up ${WARMUP}s"
  run_wrk "$name-warmup" "$url" "$dir" "$token" "$WARMUP" >/dev/null || return 1
  log "$name: measuring ${DURATION}s ($CONNECTIONS connections, $THREADS wrk threads)"
  local t0 c0 o0 m0 t1 c1 o1 m1 result other_pids=()
  read -ra other_pids <<<"$others"
  t0=$(date +%s.%N); c0=$(cpu_ticks "$pid"); o0=$(cpu_ticks "${other_pids[@]}"); m0=$(machine_ticks)
  result="$(run_wrk "$name" "$url" "$dir" "$token" "$DURATION")" || return 1
  t1=$(date +%s.%N); c1=$(cpu_ticks "$pid"); o1=$(cpu_ticks "${other_pids[@]}"); m1=$(machine_ticks)
  kill -0 "$pid" 2>/dev/null || { log "$name: the server died during the load"; return 1; }
  local rejected
  rejected="$(grep '^REJECTED ' <<<"$result" || true)"
  result="$(grep '^RESULT ' <<<"$result")"
  if [[ -n "$rejected" ]]; then
    NOTES+=("- $name refused $(field non2xx "$result") of $(field requests "$result") requests \
(statuses $(field statuses "$result")); first refusal: \`${rejected#REJECTED }\`")
  fi
  local rss hwm secs cpu other machine body_kb
  rss=$(rss_mb "$pid" VmRSS); hwm=$(rss_mb "$pid" VmHWM)
  secs=$(awk -v a="$t1" -v b="$t0" 'BEGIN {print a - b}')
  cpu=$(pct $((c1 - c0)) "$secs")
  other=-; [[ -z "$others" ]] || other=$(pct $((o1 - o0)) "$secs")
  # The machine's busy share of all cores, scaled the same way: near 200 means CPU-bound.
  machine=$(awk -v a="$m0" -v b="$m1" -v n="$(nproc)" \
    'BEGIN {split(a, x, " "); split(b, y, " "); printf "%d", 100 * n * (y[1] - x[1]) / (y[2] - x[2])}' </dev/null)
  body_kb=$(find "$dir" -name 'batch-*.json' -exec cat {} + | wc -c | awk -v n="$BATCHES" '{printf "%.1f", $1 / n / 1024}')
  echo "$result" >>"$OUT/results.txt"
  log "$result"
  ITEMS_PER_S[$name]="$(field items_per_s "$result")"
  ROWS+=("| $name | $(field rps "$result") | $(field items_per_s "$result") | $(field p50_ms "$result") \
| $(field p99_ms "$result") | $(field non2xx "$result") | $(($(field timeouts "$result") + $(field socket_errors "$result"))) \
| $rss | $hwm | $cpu | $other | $machine | $body_kb |")
}

SKIPPED=()
skip() { log "SKIPPED $1: $2"; SKIPPED+=("$1: $2"); ROWS+=("| $1 | skipped: $2 | | | | | | | | | | | |"); }

# ---------------------------------------------------------------------------------------------
# Zipkin

# Profiles, because Zipkin's HTTP collector answers 202 before storing (it queues the store on an
# unbounded executor) and its in-memory storage stores far fewer spans per second than the
# collector accepts here: under closed-loop load the backlog fills any heap and throughput then
# collapses into full GCs. "decode" is the stable baseline: HTTP, JSON decoding of every span and
# the sampling decision (rate 0, so nothing is stored). "mem" stores every span in memory, as
# Zipkin does by default, and shows that collapse.
zipkin_env() {
  case "$1" in
    decode) echo "COLLECTOR_SAMPLE_RATE=0.0" ;;
    mem) echo "COLLECTOR_SAMPLE_RATE=1.0 MEM_MAX_SPANS=$ZIPKIN_MEM_MAX_SPANS" ;;
    *) die "unknown Zipkin profile: $1 (decode or mem)" ;;
  esac
}

zipkin_leg() {
  local profile="$1" name="zipkin-$1" logf="$OUT/zipkin-$1.log" settings
  settings="$(zipkin_env "$profile")" # separate from `local`, so an unknown profile stops the run
  port_in_use "$ZIPKIN_PORT" && { skip "$name" "port $ZIPKIN_PORT is already in use"; return 0; }
  log "$name: starting Zipkin $ZIPKIN_VERSION ($settings)"
  # The ports[0] properties bind Zipkin to loopback only (QUERY_PORT alone listens on all
  # addresses); Spring replaces the whole list, so port and protocol are repeated.
  # shellcheck disable=SC2046,SC2086
  env STORAGE_TYPE=mem $settings \
    "$JAVA_HOME/bin/java" $SERVER_JAVA_OPTS \
    "-Darmeria.ports[0].ip=127.0.0.1" "-Darmeria.ports[0].port=$ZIPKIN_PORT" \
    "-Darmeria.ports[0].protocols=http" \
    -jar "$ZIPKIN_JAR" >"$logf" 2>&1 &
  ZIPKIN_PID=$!
  local ready=false
  for _ in $(seq 1 600); do # 60 s
    kill -0 "$ZIPKIN_PID" 2>/dev/null || break
    curl -sf -o /dev/null "http://127.0.0.1:$ZIPKIN_PORT/health" && { ready=true; break; }
    sleep 0.1
  done
  $ready || { tail -20 "$logf" >&2; die "$name did not become healthy within 60 s (log: $logf)"; }
  # An assignment before a function call holds for that call only.
  if ! WARMUP="$ZIPKIN_WARMUP" load_server "$name" "http://127.0.0.1:$ZIPKIN_PORT/api/v2/spans" "$OUT/payloads/zipkin" "" \
    "$ZIPKIN_PID"; then
    skip "$name" "the load run failed (log: $logf)"
  fi
  # Zipkin's own count of what it received in the run, to cross-check wrk's.
  curl -sf "http://127.0.0.1:$ZIPKIN_PORT/prometheus" |
    grep -E '^zipkin_collector_(spans|spans_dropped|messages)_total\{transport="http"' \
      >"$OUT/zipkin-$profile-metrics.txt" || true
  stop_pid "$ZIPKIN_PID" 30
  ZIPKIN_PID=""
}

# ---------------------------------------------------------------------------------------------
# Upbeat intake

# intake_leg: returns 1 with SKIP_REASON set when intake cannot be measured.
SKIP_REASON=""
intake_leg() {
  local jar
  for jar in local-stack/target/local-stack-exec.jar intake-service/target/intake-service.jar \
    processor-service/target/processor-service.jar api-service/target/api-service.jar; do
    [[ -f "$ROOT/$jar" ]] || { SKIP_REASON="$jar is missing (build: ./mvnw -B package -DskipTests)"; return 1; }
  done
  local port
  for port in "$API_PORT" "$INTAKE_PORT" "$PROCESSOR_PORT"; do
    port_in_use "$port" && { SKIP_REASON="port $port is already in use (another ./upbeat dev?)"; return 1; }
  done

  UPBEAT_DATA="$(mktemp -d)"
  local logf="$OUT/upbeat-dev.log" opts="$SERVER_JAVA_OPTS"
  # A system property rather than an environment variable: it shows in the process list and in
  # this log. api-service and the processor get it too and ignore it.
  [[ -z "$INTAKE_EVENTS_PER_SECOND" ]] ||
    opts="$opts -Dupbeat.intake.events-per-second-per-app=$INTAKE_EVENTS_PER_SECOND"
  log "intake: starting ./upbeat dev (service JVMs: $opts)"
  # The launcher JVM hosts the Kafka broker: full JIT there too, not the dev start-up flags.
  (cd "$ROOT" && UPBEAT_SKIP_BUILD=1 UPBEAT_DEV_JAVA_OPTS="$opts" \
    UPBEAT_LAUNCHER_JAVA_OPTS="${LAUNCHER_JAVA_OPTS:--Xmx1g -XX:+UseParallelGC}" \
    exec ./upbeat dev --data-dir "$UPBEAT_DATA" --api-port "$API_PORT" \
    --intake-port "$INTAKE_PORT" --processor-port "$PROCESSOR_PORT") >"$logf" 2>&1 &
  UPBEAT_PID=$!
  for _ in $(seq 1 2400); do # 240 s; the launcher itself gives up after 180 s
    grep -q '^READY ' "$logf" && break
    kill -0 "$UPBEAT_PID" 2>/dev/null || { tail -20 "$logf" >&2; SKIP_REASON="./upbeat dev exited before READY (log: $logf)"; return 1; }
    sleep 0.1
  done
  grep -q '^READY ' "$logf" || { SKIP_REASON="./upbeat dev not READY within 240 s (log: $logf)"; return 1; }
  log "intake: $(grep '^READY ' "$logf")"

  # The intake JVM is a direct child of the launcher; pgrep -P keeps another developer's running
  # platform out of the measurement.
  local intake_pid
  intake_pid="$(pgrep -P "$UPBEAT_PID" -f -- "-jar .*/intake-service/target/intake-service.jar" | head -1)"
  [[ -n "$intake_pid" ]] || { SKIP_REASON="no intake-service process under the launcher"; return 1; }

  # An account and an app, through api-service, for the app's secret token.
  local api="http://127.0.0.1:$API_PORT/api/v1" resp api_key org_id token
  resp="$(curl -sS -f -X POST "$api/signup" -H 'Content-Type: application/json' \
    -d "{\"email\":\"bench-$(date +%s)-$$@example.com\",\"password\":\"bench-$RANDOM-$RANDOM-pw\",\"org_name\":\"Load bench\"}")" ||
    { SKIP_REASON="POST /api/v1/signup failed"; return 1; }
  if ! api_key="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])' <<<"$resp")" ||
    ! org_id="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["org"]["id"])' <<<"$resp")"; then
    SKIP_REASON="unexpected signup answer: $resp"
    return 1
  fi
  resp="$(curl -sS -f -X POST "$api/orgs/$org_id/apps" -H 'Content-Type: application/json' \
    -H "Authorization: Bearer $api_key" -d '{"name":"load-bench"}')" ||
    { SKIP_REASON="POST /api/v1/orgs/$org_id/apps failed"; return 1; }
  token="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["secret_token"])' <<<"$resp")" ||
    { SKIP_REASON="unexpected app answer: $resp"; return 1; }

  # api-service publishes new tokens to intake through Kafka, so the first requests may be refused
  # for a moment: wait until one real batch is accepted (also proves the contract before loading).
  local url="http://127.0.0.1:$INTAKE_PORT/v1/events" status="" body="$OUT/intake-probe.txt"
  for _ in $(seq 1 120); do # 60 s
    status="$(curl -sS -o "$body" -w '%{http_code}' -X POST "$url" \
      -H 'Content-Type: application/json' -H "Authorization: Bearer $token" \
      --data-binary "@$OUT/payloads/intake/batch-0000.json")" || status="000"
    [[ "$status" == 202 ]] && break
    [[ "$status" == 404 || "$status" == 405 ]] && break # no endpoint: waiting will not help
    sleep 0.5
  done
  if [[ "$status" != 202 ]]; then
    SKIP_REASON="POST /v1/events answered HTTP $status, not 202: $(head -c 300 "$body" 2>/dev/null)"
    return 1
  fi
  log "intake: probe accepted: $(head -c 200 "$body")"

  # The rest of the platform, which shares the cores with intake during the run: the launcher
  # (Kafka's broker runs in it), api-service, the processor, PostgreSQL and its backends.
  local others="" p
  for p in "$UPBEAT_PID" $(pgrep -P "$UPBEAT_PID") $(pgrep -f -- "$UPBEAT_DATA"); do
    others="$others $p $(pgrep -P "$p" | tr '\n' ' ')"
  done
  others="$(tr ' ' '\n' <<<"$others" | grep -E '^[0-9]+$' | grep -vx "$intake_pid" | sort -u | tr '\n' ' ')"
  log "intake: pid $intake_pid; rest of the platform: $(wc -w <<<"$others") processes"

  load_server intake "$url" "$OUT/payloads/intake" "$token" "$intake_pid" "$others" ||
    { SKIP_REASON="the load run failed (see $OUT)"; return 1; }

  if [[ "$PAUSED_DURATION" -gt 0 ]]; then
    PAUSED_PID="$(pgrep -P "$UPBEAT_PID" -f -- "-jar .*/processor-service/target/processor-service.jar" | head -1)"
    if [[ -z "$PAUSED_PID" ]]; then
      skip intake-processor-paused "no processor-service process under the launcher"
    else
      log "intake: processor (pid $PAUSED_PID) stopped for the next row"
      kill -STOP "$PAUSED_PID"
      WARMUP="$PAUSED_WARMUP" DURATION="$PAUSED_DURATION" load_server intake-processor-paused \
        "$url" "$OUT/payloads/intake" "$token" "$intake_pid" "$others" ||
        skip intake-processor-paused "the load run failed (see $OUT)"
      kill -CONT "$PAUSED_PID"
      PAUSED_PID=""
    fi
  fi
  stop_pid "$UPBEAT_PID" 60
  UPBEAT_PID=""
}

# ---------------------------------------------------------------------------------------------

ensure_tools
rm -rf "$OUT"
mkdir -p "$OUT"
# Fresh timestamps every run: intake refuses events older than 7 days.
python3 "$HERE/gen-payloads.py" --out "$OUT/payloads" --batches "$BATCHES" --size "$BATCH_SIZE" \
  | tee "$OUT/payloads.txt" >&2

for leg in $LEGS; do
  case "$leg" in
    zipkin)
      fetch_zipkin
      for profile in $ZIPKIN_PROFILES; do zipkin_leg "$profile"; done
      ;;
    intake)
      if ! intake_leg; then
        skip intake "$SKIP_REASON"
        stop_pid "$UPBEAT_PID" 60
        UPBEAT_PID=""
      fi
      ;;
    *) die "unknown leg: $leg (zipkin or intake)" ;;
  esac
done

limit_note=""
[[ " $LEGS " != *" intake "* ]] ||
  limit_note=" intake's per-app limit: ${INTAKE_EVENTS_PER_SECOND:-its default} events/s;"
{
  echo
  echo "Load: $CONNECTIONS connections, $THREADS wrk threads, ${WARMUP}s warm-up + ${DURATION}s measured" \
    "per server, $BATCH_SIZE items per request, $BATCHES distinct bodies; server JVMs: $SERVER_JAVA_OPTS" \
    "(Java $JAVA_MAJOR);$limit_note $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ)."
  echo
  echo "| Server | Requests/s | Items/s | p50 ms | p99 ms | Non-2xx | Timeouts + socket errors" \
    "| RSS MB (end) | Peak RSS MB | Server CPU % | Platform CPU % | Machine CPU % | KB per request |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
  echo
  [[ ${#NOTES[@]} -eq 0 ]] || { printf '%s\n' "${NOTES[@]}"; echo; }
  # Only against zipkin-decode: zipkin-mem is no steady state (see README.md), so a ratio to it
  # would depend on how long the run lasted.
  if [[ -n "${ITEMS_PER_S[intake]:-}" && -n "${ITEMS_PER_S[zipkin-decode]:-}" ]]; then
    echo "Items/s, intake / zipkin-decode: $(awk -v a="${ITEMS_PER_S[intake]}" \
      -v b="${ITEMS_PER_S[zipkin-decode]}" 'BEGIN {printf "%.2f", a / b}')"
  fi
  if [[ -n "${ITEMS_PER_S[intake-processor-paused]:-}" && -n "${ITEMS_PER_S[zipkin-decode]:-}" ]]; then
    echo "Items/s, intake with the processor paused / zipkin-decode: $(awk \
      -v a="${ITEMS_PER_S[intake-processor-paused]}" -v b="${ITEMS_PER_S[zipkin-decode]}" \
      'BEGIN {printf "%.2f", a / b}')"
  fi
} | tee "$OUT/results.md"

[[ ${#SKIPPED[@]} -eq 0 ]] || exit 3
