#!/usr/bin/env bash
# Monitoring benchmark driver: bash bench/monitor/run.sh   (from the repo root)
# Seeded 1M-row × 20-column CSVs (10 numerical, 10 categorical, ~1% empty fields) are generated if missing;
# then, in the same run, pandas.read_csv + scipy per column and the installed `mlops monitor` are measured with
# /usr/bin/time -v. `mlops` is the npm package `pnpm pack:cli` builds, installed from its tarball into
# bench/data/cli (plain JavaScript, as users get it); MLOPS=/path/to/mlops measures another one.
# BENCH_10M=1 adds a 10M-row reference against the 1M current (memory must stay flat in rows).
set -euo pipefail
mkdir -p bench/data
EMPTY=0.01
[ -f bench/data/ref-1m-e1.csv ] || node bench/monitor/generate-data.mjs 1000000 bench/data/ref-1m-e1.csv 0 $EMPTY
[ -f bench/data/cur-1m-e1.csv ] || node bench/monitor/generate-data.mjs 1000000 bench/data/cur-1m-e1.csv 1 $EMPTY
if [ -z "${MLOPS:-}" ]; then
  rm -rf bench/data/pack bench/data/cli && mkdir -p bench/data/cli
  node scripts/pack-cli.mjs --out bench/data/pack > /dev/null
  echo '{"name":"bench-cli","private":true}' > bench/data/cli/package.json
  (cd bench/data/cli && npm install --no-audit --no-fund --offline --silent ../pack/*.tgz)
  MLOPS=bench/data/cli/node_modules/.bin/mlops
fi
# BENCH_NICE=-10 (root) runs both sides at that priority: on a shared machine, both then get the cores that
# other work would take, as on a dedicated runner (both sides get the same treatment).
NICE=()
[ -n "${BENCH_NICE:-}" ] && NICE=(nice -n "$BENCH_NICE")
measure() { # label, command...
  local label=$1; shift
  "${NICE[@]}" /usr/bin/time -v "$@" > "bench/data/$label.json" 2> "bench/data/$label.time"
  printf '%-28s wall %-8s user %-7s sys %-6s peak RSS %s kB\n' "$label" \
    "$(grep 'Elapsed' "bench/data/$label.time" | awk '{print $NF}')" \
    "$(grep 'User time' "bench/data/$label.time" | awk '{print $NF}')" \
    "$(grep 'System time' "bench/data/$label.time" | awk '{print $NF}')" \
    "$(grep 'Maximum resident' "bench/data/$label.time" | awk '{print $NF}')"
}
uptime
TESTS=(--stattest-numerical ks --stattest-categorical chisquare --format json)
measure pandas-scipy-1m /usr/bin/python3 bench/monitor/baseline.py bench/data/ref-1m-e1.csv bench/data/cur-1m-e1.csv
measure mlops-monitor-1m "$MLOPS" monitor --reference bench/data/ref-1m-e1.csv --current bench/data/cur-1m-e1.csv "${TESTS[@]}"
if [ "${BENCH_10M:-0}" = 1 ]; then
  [ -f bench/data/ref-10m-e1.csv ] || node bench/monitor/generate-data.mjs 10000000 bench/data/ref-10m-e1.csv 0 $EMPTY
  measure mlops-monitor-10m-vs-1m "$MLOPS" monitor --reference bench/data/ref-10m-e1.csv --current bench/data/cur-1m-e1.csv "${TESTS[@]}"
fi
uptime
# speed-up, and accuracy of the sampled KS statistic against scipy's exact full-data one
/usr/bin/python3 - <<'PY'
import json, re
def secs(label):
    t = open(f"bench/data/{label}.time").read()
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", t)
    return int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
print(f"speed-up (wall): {secs('pandas-scipy-1m') / secs('mlops-monitor-1m'):.2f}x")
a = {c["name"]: [c["test"], c["statistic"], c["p_value"]] for c in json.load(open("bench/data/mlops-monitor-1m.json"))["columns"]}
b = json.load(open("bench/data/pandas-scipy-1m.json"))
ks = [abs(a[c][1] - b[c][1]) for c in a if a[c][0] == "ks"]
chi = [abs(a[c][1] - b[c][1]) / max(1e-12, abs(b[c][1])) for c in a if a[c][0] == "chisquare"]
print(f"max |D_ours - D_scipy| = {max(ks):.2e}; max rel. chi-square statistic diff = {max(chi):.2e}")
PY
