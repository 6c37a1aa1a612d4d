#!/usr/bin/env bash
# Wall time and peak RSS of `mlops gate` with a `significant` rule on N per-example rows (default 1e6).
# Usage: [MLOPS_BIN=path/to/installed/mlops] bench/significance/run.sh [N] [column: accuracy|loss]
# (default: the checkout's CLI through tsx; the packed CLI: `pnpm pack:cli`, `npm install --prefix P` the tarball)
set -euo pipefail
N="${1:-1000000}"; METRIC="${2:-accuracy}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DIR="$(mktemp -d)"; trap 'rm -rf "$DIR"' EXIT
/usr/bin/python3 "$ROOT/bench/significance/gen.py" "$N" "$DIR"
if [ "$METRIC" = accuracy ]; then RULE="accuracy >= baseline - 0.01 significant"; else RULE="loss <= baseline + 0.01 significant"; fi
cd "$DIR"
BIN="${MLOPS_BIN:-$ROOT/packages/cli/bin/mlops.mjs}"
/usr/bin/time -v node "$BIN" gate --metrics head-metrics.json --baseline base-metrics.json \
  --per-example head.csv --baseline-per-example base.csv --rule "$RULE" --format json >out.json 2>time.txt || true
grep -E '"(status|message)"' out.json | head -4 || cat out.json | head -20
grep -E 'Elapsed \(wall|Maximum resident' time.txt
