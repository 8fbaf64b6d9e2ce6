#!/usr/bin/env bash
# Third-party ingest throughput: intake's OTLP receiver, POST /v1/traces with OTLP/protobuf bodies
# of 100 spans (25 traces, each a server span with three children, as the OpenTelemetry Java agent
# batches them), and its Elastic APM receiver, POST /intake/v2/events with the same traces as an
# ND-JSON stream (a metadata line, then 25 transactions and their 75 spans), each beside the native
# POST /v1/events with the same requests as JSON (25 transactions with their 2 query spans), in one
# run against one ./upbeat dev (real Kafka, processor and PostgreSQL on the same cores). The legs
# take turns ROUNDS times, each receiver's figure is divided by the native figure of its own round,
# and the median of these ratios is reported, so a drift of the machine hits both sides of a ratio
# alike. Loopback only; every run is bounded by DURATION and WARMUP.
#
# QUICK=1 is the regression guard for these receivers (as bench/quick.sh is for the rest): three
# short rounds with fixed settings, whose ratios are printed next to the reference ratios recorded
# in docs/benchmarks.md ("Quick check (bench/quick.sh)") and flagged when more than 20 % below them.
#
# Usage: ./mvnw -B package -DskipTests && bench/otlp-ingest/run.sh     (~6 min with the defaults)
#        QUICK=1 bench/otlp-ingest/run.sh                              (~3 min)
#        DURATION=10 ROUNDS=1 bench/otlp-ingest/run.sh
# Exit: 0 measured (and, with QUICK=1, nothing flagged), 2 a quick ratio flagged, else a failure.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
# shellcheck source=bench/ratios.sh
source "$ROOT/bench/ratios.sh"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
JAVA="$JAVA_HOME/bin/java"
QUICK="${QUICK:-0}"
if [[ "$QUICK" == 1 ]]; then
  # The settings the quick references were measured with; other ones would give other ratios.
  # Each leg gets 20 s before the rounds: with 4 s, intake was still compiling through the rounds
  # (every leg sped up eightfold from the first round to the last).
  DURATION=6 WARMUP=4 FIRST_WARMUP=20 ROUNDS=3 BATCHES=50 TRACES=25
fi
DURATION="${DURATION:-20}"
WARMUP="${WARMUP:-10}"
FIRST_WARMUP="${FIRST_WARMUP:-$WARMUP}" # per leg, once, before the rounds
ROUNDS="${ROUNDS:-2}"
CONNECTIONS="${CONNECTIONS:-16}"
THREADS="${THREADS:-2}"
BATCHES="${BATCHES:-200}"
TRACES="${TRACES:-25}"               # per request: 4 spans each
LEGS=(native otlp elastic)           # the others are divided by native
API_PORT="${API_PORT:-8080}"
INTAKE_PORT="${INTAKE_PORT:-8200}"
PROCESSOR_PORT="${PROCESSOR_PORT:-8081}"
SERVER_JAVA_OPTS="${SERVER_JAVA_OPTS:--Xmx512m -XX:+UseParallelGC --sun-misc-unsafe-memory-access=allow}"
OUT="$HERE/.last-run"
CP="$ROOT/bench/target/upbeat-bench.jar:$ROOT/bench/target/lib/*"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

for jar in bench/target/upbeat-bench.jar local-stack/target/local-stack-exec.jar \
  intake-service/target/intake-service.jar processor-service/target/processor-service.jar \
  api-service/target/api-service.jar; do
  [[ -f "$ROOT/$jar" ]] || die "$jar is missing: build first (./mvnw -B package -DskipTests)"
done
command -v wrk >/dev/null || { log "installing wrk"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
for port in "$API_PORT" "$INTAKE_PORT" "$PROCESSOR_PORT"; do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && die "port $port is in use (another ./upbeat dev?)"
done

UPBEAT_PID="" DATA=""
cleanup() {
  if [[ -n "$UPBEAT_PID" ]] && kill -0 "$UPBEAT_PID" 2>/dev/null; then
    kill -TERM "$UPBEAT_PID"
    for _ in $(seq 1 600); do kill -0 "$UPBEAT_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$UPBEAT_PID" 2>/dev/null || true
  fi
  [[ -n "$DATA" ]] && rm -rf "$DATA"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rm -rf "$OUT"; mkdir -p "$OUT"
"$JAVA" -cp "$CP" io.upbeat.bench.otlp.OtlpPayloads "$OUT/payloads" "$BATCHES" "$TRACES" | tee "$OUT/payloads.txt" >&2

DATA="$(mktemp -d)"
log "starting ./upbeat dev (service JVMs: $SERVER_JAVA_OPTS)"
# One app sends everything: its event rate limit is lifted to measure intake itself.
(cd "$ROOT" && UPBEAT_SKIP_BUILD=1 \
  UPBEAT_DEV_JAVA_OPTS="$SERVER_JAVA_OPTS -Dupbeat.intake.events-per-second-per-app=100000000" \
  UPBEAT_LAUNCHER_JAVA_OPTS="-Xmx1g -XX:+UseParallelGC" \
  exec ./upbeat dev --data-dir "$DATA" --api-port "$API_PORT" --intake-port "$INTAKE_PORT" \
  --processor-port "$PROCESSOR_PORT") >"$OUT/upbeat-dev.log" 2>&1 &
UPBEAT_PID=$!
for _ in $(seq 1 2400); do
  grep -q '^READY ' "$OUT/upbeat-dev.log" && break
  kill -0 "$UPBEAT_PID" 2>/dev/null || die "./upbeat dev exited (log: $OUT/upbeat-dev.log)"
  sleep 0.1
done
grep -q '^READY ' "$OUT/upbeat-dev.log" || die "./upbeat dev not READY in 240 s"
INTAKE_PID="$(pgrep -P "$UPBEAT_PID" -f -- "-jar .*/intake-service/target/intake-service.jar" | head -1)"

api="http://127.0.0.1:$API_PORT/api/v1"
resp="$(curl -sS -f -X POST "$api/signup" -H 'Content-Type: application/json' \
  -d "{\"email\":\"otlp-bench-$$@example.com\",\"password\":\"bench-password-$RANDOM\",\"org_name\":\"OTLP bench\"}")"
key="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])' <<<"$resp")"
org="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["org"]["id"])' <<<"$resp")"
resp="$(curl -sS -f -X POST "$api/orgs/$org/apps" -H 'Content-Type: application/json' \
  -H "Authorization: Bearer $key" -d '{"name":"otlp-bench"}')"
TOKEN="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["secret_token"])' <<<"$resp")"
intake="http://127.0.0.1:$INTAKE_PORT"
for _ in $(seq 1 120); do
  s="$(curl -sS -o /dev/null -w '%{http_code}' -X POST "$intake/v1/traces" -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/x-protobuf' --data-binary "@$OUT/payloads/otlp/batch-0000.pb")" || s=000
  [[ "$s" == 200 ]] && break
  sleep 0.5
done
[[ "$s" == 200 ]] || die "POST /v1/traces answered $s, not 200"
# The Elastic receiver skips a line it cannot map rather than refusing the stream, so check once
# that every transaction of a body is taken (?verbose counts them) before measuring it.
s="$(curl -sS -X POST "$intake/intake/v2/events?verbose" -H "Authorization: Bearer $TOKEN" \
  -H 'Content-Type: application/x-ndjson' --data-binary "@$OUT/payloads/elastic/batch-0000.ndjson")" ||
  die "POST /intake/v2/events failed"
[[ "$s" == "{\"accepted\":$TRACES}" ]] || die "POST /intake/v2/events answered $s, not {\"accepted\":$TRACES}"
log "token accepted; intake pid $INTAKE_PID"

run() { # LEG SECONDS NAME -> RESULT line
  local leg="$1" secs="$2" name="$3" url type suffix
  case "$leg" in
    native) url="$intake/v1/events"; type=application/json; suffix=.json ;;
    otlp) url="$intake/v1/traces"; type=application/x-protobuf; suffix=.pb ;;
    elastic) url="$intake/intake/v2/events"; type=application/x-ndjson; suffix=.ndjson ;;
  esac
  PAYLOAD_DIR="$OUT/payloads/$leg" AUTH_TOKEN="$TOKEN" ITEMS_PER_REQUEST=$((TRACES * 4)) LABEL="$name" \
    CONTENT_TYPE="$type" PAYLOAD_SUFFIX="$suffix" \
    timeout --kill-after=5 $((secs + 30)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${secs}s" --timeout 10s \
    --latency -s "$ROOT/bench/intake-load/post.lua" "$url" >"$OUT/wrk-$name.txt" 2>&1
  grep '^RESULT ' "$OUT/wrk-$name.txt"
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
ticks() { awk '{print $14 + $15}' "/proc/$INTAKE_PID/stat"; }

# Every leg once before the rounds, unmeasured: otherwise the first leg measured would also pay for
# warming what the legs share (HTTP, authentication, publishing, the processor behind it).
for leg in "${LEGS[@]}"; do
  log "$leg: warm-up ${FIRST_WARMUP}s before the rounds"
  run "$leg" "$FIRST_WARMUP" "$leg-warmup-0" >/dev/null
done
# Each round starts with the next leg, so that no leg is always the one measured first (on the least
# warm intake) or last; a round's ratios still pair legs measured within a minute of each other.
for round in $(seq 1 "$ROUNDS"); do
  for k in "${!LEGS[@]}"; do
    leg="${LEGS[$(((k + round - 1) % ${#LEGS[@]}))]}"
    log "$leg (round $round/$ROUNDS): warm-up ${WARMUP}s, then ${DURATION}s measured"
    run "$leg" "$WARMUP" "$leg-warmup-$round" >/dev/null
    c0=$(ticks); t0=$(date +%s.%N)
    r="$(run "$leg" "$DURATION" "$leg-$round")"
    c1=$(ticks); t1=$(date +%s.%N)
    cpu=$(awk -v d=$((c1 - c0)) -v a="$t0" -v b="$t1" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%d", 100 * d / hz / (b - a)}')
    log "$r cpu=$cpu"
    echo "$(field rps "$r") $(field p50_ms "$r") $(field p99_ms "$r") $(field non2xx "$r") $cpu" >>"$OUT/rounds-$leg.txt"
  done
done

median() { sort -n | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
# Each round's figure over the native figure of the same round: a machine that drifts (other work
# on the same cores) moves both of a pair alike, so the median of these is the ratio.
for leg in otlp elastic; do
  paste -d' ' "$OUT/rounds-$leg.txt" "$OUT/rounds-native.txt" |
    awk '{printf "%.3f\n", $1 / $6}' >"$OUT/ratios-$leg.txt"
done
declare -A TITLE=([native]='native /v1/events (JSON)' [otlp]='OTLP /v1/traces (protobuf)'
  [elastic]='Elastic /intake/v2/events (ND-JSON)')
declare -A NAME=([otlp]=OTLP [elastic]=Elastic)
{
  echo "Load: $CONNECTIONS connections, $THREADS wrk threads, ${WARMUP}s warm-up + ${DURATION}s measured per leg," \
    "$ROUNDS rounds (medians), $BATCHES distinct bodies of $TRACES traces ($((TRACES * 4)) spans);" \
    "$(cat "$OUT/payloads.txt"); service JVMs: $SERVER_JAVA_OPTS; $(nproc) cores;" \
    "load average at the end $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%MZ)."
  echo
  echo "| Endpoint | Requests/s | Items/s | Transactions/s | p50 ms | p99 ms | Non-2xx | Intake CPU % | Intake CPU ms per request | Requests/s per round |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  for leg in "${LEGS[@]}"; do
    f="$OUT/rounds-$leg.txt"
    rps="$(cut -d' ' -f1 "$f" | median)"
    printf '| %s | %s | %.0f | %.0f | %s | %s | %s | %s | %s | %s |\n' \
      "${TITLE[$leg]}" \
      "$rps" "$(awk -v r="$rps" -v n=$((TRACES * 4)) 'BEGIN {print r * n}')" \
      "$(awk -v r="$rps" -v n="$TRACES" 'BEGIN {print r * n}')" \
      "$(cut -d' ' -f2 "$f" | median)" "$(cut -d' ' -f3 "$f" | median)" \
      "$(cut -d' ' -f4 "$f" | paste -sd+ | bc)" "$(cut -d' ' -f5 "$f" | median)" \
      "$(awk '{printf "%.3f\n", $5 * 10 / $1}' "$f" | median)" "$(cut -d' ' -f1 "$f" | paste -sd' ')"
  done
  echo
  for leg in otlp elastic; do
    echo "Requests/s, ${NAME[$leg]} / native (median of the rounds' ratios" \
      "$(paste -sd' ' "$OUT/ratios-$leg.txt")): $(median <"$OUT/ratios-$leg.txt")"
  done
} | tee "$OUT/results.md"

[[ "$QUICK" == 1 ]] || exit 0
flagged=0
{
  echo
  echo "Quick check of the receivers; recorded: docs/benchmarks.md, \"Quick check (bench/quick.sh)\";" \
    "FLAG: more than $(awk -v d="$RATIO_MAX_DROP" 'BEGIN {print 100 * d}') % below recorded."
  echo
  echo "| Check | Now | Recorded | Change | Verdict |"
  echo "|---|---|---|---|---|"
  for leg in otlp elastic; do
    now="$(median <"$OUT/ratios-$leg.txt")"
    ref="$(reference "$leg")"
    status=0
    judged="$(verdict "$now" "$ref")" || status=$?
    [[ $status -ne 2 ]] || flagged=1
    echo "| ${NAME[$leg]} / native, requests/s | $now | ${ref:--} | $(change "$now" "$ref") | $judged |"
  done
} >"$OUT/quick.md" # not a pipeline into tee: flagged must be set in this shell
cat "$OUT/quick.md" >>"$OUT/results.md"
cat "$OUT/quick.md"
[[ $flagged -eq 0 ]] || exit 2
