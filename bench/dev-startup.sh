#!/usr/bin/env bash
# Measures ./upbeat dev: seconds to the READY line (first start on an empty data directory, then
# restarts on the same directory) and memory once ready, per process and in total. Memory is PSS
# (proportional set size: shared pages split among the processes sharing them), so PostgreSQL's
# shared buffers count once across its backends.
# Usage: bench/dev-startup.sh [RESTARTS]   (default 3). Needs built jars (./mvnw -B package -DskipTests).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
restarts="${1:-3}"
data="$(mktemp -d)"
trap 'rm -rf "$data"' EXIT

rss_kb() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }

run_once() {
  local label="$1" log="$data/run.log" start end pid total=0
  start=$(date +%s.%N)
  UPBEAT_SKIP_BUILD=1 ./upbeat dev --data-dir "$data/dev" >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do
    grep -q '^READY ' "$log" && break
    kill -0 "$pid" 2>/dev/null || { cat "$log"; exit 1; }
    sleep 0.1
  done
  end=$(date +%s.%N)
  printf '%-10s ready in %5.1f s;' "$label" "$(echo "$end - $start" | bc)"
  local launcher; launcher=$(rss_kb "$pid"); total=$((total + launcher))
  printf ' PSS MB: launcher(Kafka) %d' $((launcher / 1024))
  for svc in api-service intake-service processor-service; do
    local spid; spid=$(pgrep -f -- "-jar .*/$svc/target/$svc.jar" | head -1)
    local r; r=$(rss_kb "$spid"); total=$((total + r))
    printf ', %s %d' "${svc%-service}" $((r / 1024))
  done
  local pg=0
  for p in $(pgrep -f -- "$data/dev/postgres" || true) $(pgrep -P "$(pgrep -f -- "-D $data/dev/postgres" | head -1)" 2>/dev/null || true); do
    pg=$((pg + $(rss_kb "$p")))
  done
  total=$((total + pg))
  printf ', postgres %d; total %d\n' $((pg / 1024)) $((total / 1024))
  kill -TERM "$pid"
  wait "$pid"
}

run_once "first"
for i in $(seq 1 "$restarts"); do run_once "restart $i"; done
