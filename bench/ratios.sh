# Sourced by bench/quick.sh and bench/otlp-ingest/run.sh (QUICK=1): the reference ratios recorded
# in docs/benchmarks.md, section "Quick check (bench/quick.sh)", and the verdict on a ratio measured
# now against one of them. The table in that section is the only place a reference lives, so
# recording a new one is an edit of the documentation, reviewed like any other.
#
# Needs ROOT (the repository's root) set by the caller.

# A drop of more than this share of the recorded ratio is flagged as a regression. Quick runs are
# short and the machine may be shared, so smaller moves are within their noise.
RATIO_MAX_DROP=0.20

# reference KEY: the recorded value of the row whose first cell is `KEY`; nothing if there is none.
reference() {
  awk -v key="\`$1\`" '
    /^## / { inside = ($0 == "## Quick check (bench/quick.sh)") }
    inside && /^\|/ {
      split($0, cell, "|")
      name = cell[2]; value = cell[4]
      gsub(/^[ \t]+|[ \t]+$/, "", name)
      gsub(/[ \t*,]/, "", value)  # bold and thousands separators are for readers
      if (name == key && value ~ /^[0-9.]+$/) { print value; exit }
    }' "$ROOT/docs/benchmarks.md"
}

# verdict NOW REF: prints "ok", "FLAG" (NOW below (1 - RATIO_MAX_DROP) x REF) or "no reference";
# returns 2 when flagged, else 0.
verdict() {
  if [[ -z "$2" ]]; then
    echo "no reference"
    return 0
  fi
  if awk -v now="$1" -v ref="$2" -v drop="$RATIO_MAX_DROP" 'BEGIN { exit !(now < (1 - drop) * ref) }'; then
    echo "FLAG"
    return 2
  fi
  echo "ok"
}

# change NOW REF: NOW / REF - 1 as a signed percentage ("-" without a reference).
change() {
  if [[ -z "$2" ]]; then
    echo "-"
  else
    awk -v now="$1" -v ref="$2" 'BEGIN { printf "%+.0f %%", 100 * (now / ref - 1) }'
  fi
}
