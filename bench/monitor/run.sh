#!/usr/bin/env bash
# Monitoring benchmark driver: bash bench/monitor/run.sh   (from the repo root)
# Generates seeded data (if missing), then measures pandas+scipy and ours in the same run with /usr/bin/time -v.
set -euo pipefail
mkdir -p bench/data
[ -f bench/data/ref-1m.csv ] || node bench/monitor/generate-data.mjs 1000000 bench/data/ref-1m.csv 0
[ -f bench/data/cur-1m.csv ] || node bench/monitor/generate-data.mjs 1000000 bench/data/cur-1m.csv 1
# bundle like the actions ship (esbuild, ESM): main script + worker side by side
node bench/monitor/build.mjs
measure() { # label, command...
  local label=$1; shift
  /usr/bin/time -v "$@" > "bench/data/$label.json" 2> "bench/data/$label.time"
  printf '%-22s wall %-8s peak RSS %s kB\n' "$label" \
    "$(grep 'Elapsed' "bench/data/$label.time" | awk '{print $NF}')" \
    "$(grep 'Maximum resident' "bench/data/$label.time" | awk '{print $NF}')"
}
measure pandas-scipy-1m /usr/bin/python3 bench/monitor/baseline.py bench/data/ref-1m.csv bench/data/cur-1m.csv
measure ours-1m node bench/data/build/ours.js bench/data/ref-1m.csv bench/data/cur-1m.csv
measure ours-1m-noworkers node bench/data/build/ours.js bench/data/ref-1m.csv bench/data/cur-1m.csv --no-workers
if [ "${BENCH_10M:-0}" = 1 ]; then
  [ -f bench/data/ref-10m.csv ] || node bench/monitor/generate-data.mjs 10000000 bench/data/ref-10m.csv 0
  measure ours-10m-vs-1m node bench/data/build/ours.js bench/data/ref-10m.csv bench/data/cur-1m.csv --no-workers
fi
# accuracy of the sampled KS statistic against the exact full-data statistic from scipy
/usr/bin/python3 - <<'PY'
import json
a = json.load(open("bench/data/ours-1m.json")); b = json.load(open("bench/data/pandas-scipy-1m.json"))
ks = [abs(a[c][1] - b[c][1]) for c in a if a[c][0] == "ks"]
chi = [abs(a[c][1] - b[c][1]) / max(1e-12, abs(b[c][1])) for c in a if a[c][0] == "chisquare"]
print(f"max |D_ours - D_scipy| = {max(ks):.2e}; max rel. chi-square statistic diff = {max(chi):.2e}")
PY
