#!/usr/bin/env bash
# Regression guard: short runs of three harnesses, each reduced to a ratio against a baseline
# measured in the same run (absolute figures move with the machine, ratios much less), printed next
# to the reference ratio recorded in docs/benchmarks.md ("Quick check (bench/quick.sh)") and flagged
# when it dropped more than 20 % below it:
#
#   intake     bench/intake-load: intake's items/s over Zipkin's (decode only); intake's p99 shown
#   processor  bench/processor: the processor's transactions/s over a plain read-and-decode consumer
#   agent      bench/agent-overhead: the example app's requests/s with Upbeat's agent over without
#              (median of paired rounds)
#
# About 5 minutes on the 2-core reference machine. Run it before every change to a hot path is
# left, and quote its output. The harnesses start servers on fixed ports and load every core: on a
# shared machine take the benchmark lock around the whole script (flock /tmp/bench.lock
# bench/quick.sh); it takes no lock itself, as a lock of its own would wait for that one forever.
#
# Usage: ./mvnw -B package -DskipTests && bench/quick.sh
#        SKIP="agent" bench/quick.sh        (any of: intake processor agent)
# Exit: 0 nothing flagged, 2 a ratio flagged, 1 a harness failed (its log's tail is printed).
# The OTLP and Elastic receivers have their own quick mode: QUICK=1 bench/otlp-ingest/run.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=bench/ratios.sh
source "$ROOT/bench/ratios.sh"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
SKIP="${SKIP:-}"
OUT="$ROOT/bench/.last-quick"  # each harness's full output of the latest run

# The run lengths are part of the references: a shorter window or a smaller topic gives other
# ratios, so these are fixed here and a change to them means measuring and recording new ones.
# Intake warms up 40 s: after 5 s its platform was still compiling, and the ratio spread from 0.038
# to 0.068 in three runs. Zipkin, one small JVM, is warm after 5 s. No processor-paused row.
INTAKE_ENV=(LEGS="zipkin intake" ZIPKIN_PROFILES=decode ZIPKIN_WARMUP=5 WARMUP=40 DURATION=10
  PAUSED_DURATION=0 BATCHES=50)
PROCESSOR_ENV=(TRANSACTIONS=600000)
AGENT_ENV=(LEGS="none upbeat" WARMUP=30 ROUNDS=3 DURATION=5 LEAD=1)
# Upper bounds per harness, well above their usual time: a hung server cannot hold the machine.
INTAKE_LIMIT=240 PROCESSOR_LIMIT=180 AGENT_LIMIT=210

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

for part in $SKIP; do
  case "$part" in
    intake | processor | agent) ;;
    *) log "unknown part in SKIP: $part (intake, processor or agent)"; exit 1 ;;
  esac
done
skipped() { [[ " $SKIP " == *" $1 "* ]]; }

# The harness running now. timeout puts it in a process group of its own and passes a signal it
# gets on to that whole group (servers, wrk), each harness's own trap then stops what it started.
CHILD=""
cleanup() {
  if [[ -n "$CHILD" ]]; then
    kill -TERM "$CHILD" 2>/dev/null || true
    wait "$CHILD" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# harness NAME LIMIT SCRIPT ENV...: runs SCRIPT with ENV, its output in $OUT/NAME.log; at most
# LIMIT seconds, then SIGTERM, and SIGKILL 30 s later. Returns the script's status.
harness() {
  local name="$1" limit="$2" script="$3" rc=0
  shift 3
  log "$name: $* $script (at most ${limit}s; log: $OUT/$name.log)"
  # In the background, so that wait returns at once when a signal arrives and cleanup can run.
  env "$@" timeout --kill-after=30 "$limit" "$ROOT/$script" >"$OUT/$name.log" 2>&1 &
  CHILD=$!
  wait "$CHILD" || rc=$?
  CHILD=""
  if [[ $rc -ne 0 ]]; then
    log "$name: failed (status $rc$([[ $rc -eq 124 ]] && echo ", over ${limit}s")); the log ends:"
    tail -15 "$OUT/$name.log" >&2
  fi
  return "$rc"
}

FAILED=0
FLAGGED=0
ROWS=()

# row LABEL NOW KEY: a table row for a ratio measured now against the reference recorded as KEY.
row() {
  local label="$1" now="$2" ref status=0 judged
  ref="$(reference "$3")"
  judged="$(verdict "$now" "$ref")" || status=$?
  [[ $status -eq 2 ]] && FLAGGED=1
  ROWS+=("| $label | $now | ${ref:--} | $(change "$now" "$ref") | $judged |")
}
# failed LABEL STATE: a row for a part that gave no ratio.
failed() { ROWS+=("| $1 | - | - | - | $2 |"); }

# RESULT-line field: field KEY LINE
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }

intake() {
  local label="intake / Zipkin decode-only, items/s"
  if ! harness intake "$INTAKE_LIMIT" bench/intake-load/run.sh "${INTAKE_ENV[@]}"; then
    FAILED=1; failed "$label" "failed"; return
  fi
  # results.txt holds one RESULT line per measured leg; its ratio is recomputed here with more
  # digits than results.md prints, since it is near 0.1.
  local results="$ROOT/bench/intake-load/.cache/last-run/results.txt" zipkin mine
  zipkin="$(grep ' label=zipkin-decode ' "$results")" && mine="$(grep ' label=intake ' "$results")" ||
    { FAILED=1; failed "$label" "no RESULT lines in $results"; return; }
  row "$label" "$(awk -v a="$(field items_per_s "$mine")" -v b="$(field items_per_s "$zipkin")" \
    'BEGIN {printf "%.3f", a / b}')" intake
  # Latency at saturation is an absolute figure, so it is shown, not judged: Zipkin's p99 of the
  # same run says how loaded the machine was.
  local p99 ref
  p99="$(field p99_ms "$mine")"
  ref="$(reference intake-p99)"
  ROWS+=("| intake p99 ms (Zipkin's: $(field p99_ms "$zipkin")) | $p99 | ${ref:--} | $(change "$p99" "$ref") | shown, not judged |")
}

processor() {
  local label="processor / read-and-decode consumer, transactions/s" result
  if ! harness processor "$PROCESSOR_LIMIT" bench/processor/run.sh "${PROCESSOR_ENV[@]}"; then
    FAILED=1; failed "$label" "failed"; return
  fi
  result="$(grep '^RESULT ' "$OUT/processor.log")" ||
    { FAILED=1; failed "$label" "no RESULT line in $OUT/processor.log"; return; }
  row "$label" "$(awk -v r="$(field ratio "$result")" 'BEGIN {printf "%.3f", r}')" processor
}

agent() {
  local label="agent: upbeat / none, requests/s (median of paired rounds)" ratio
  if ! harness agent "$AGENT_LIMIT" bench/agent-overhead/run.sh "${AGENT_ENV[@]}"; then
    FAILED=1; failed "$label" "failed"; return
  fi
  # The summary table's upbeat row; its third cell is the median of the paired ratios.
  ratio="$(awk -F'|' '$2 ~ /^ *upbeat *$/ {gsub(/ /, "", $4); print $4}' "$OUT/agent.log")"
  [[ -n "$ratio" ]] || { FAILED=1; failed "$label" "no upbeat row in $OUT/agent.log"; return; }
  row "$label" "$(awk -v r="$ratio" 'BEGIN {printf "%.3f", r}')" agent
}

rm -rf "$OUT"
mkdir -p "$OUT"
start=$(date +%s)
for part in intake processor agent; do
  if skipped "$part"; then
    failed "$part" "skipped (SKIP)"
  else
    "$part"
  fi
done
elapsed=$(($(date +%s) - start))

{
  echo
  echo "Quick check, $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "?")$(
    git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo " with uncommitted changes"), $(date -u +%Y-%m-%dT%H:%MZ)," \
    "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); recorded: docs/benchmarks.md," \
    "\"Quick check (bench/quick.sh)\"; FLAG: more than $(awk -v d="$RATIO_MAX_DROP" 'BEGIN {print 100 * d}') % below recorded."
  echo
  echo "| Check | Now | Recorded | Change | Verdict |"
  echo "|---|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
  echo
  echo "Elapsed: ${elapsed} s ($((elapsed / 60)) min $((elapsed % 60)) s); logs in $OUT/"
} | tee "$OUT/summary.md"

if [[ $FAILED -ne 0 ]]; then exit 1; fi
if [[ $FLAGGED -ne 0 ]]; then exit 2; fi
exit 0
