#!/usr/bin/env bash
# Large-model benchmark (issue 17 item 4): bash bench/bigmodel/run.sh   (from the repo root)
# A 2.2 GiB SPARSE file (truncate -s 2200M, 16 random bytes written at five offsets) is registered through
# the installed `mlops` CLI against the emulator (`mlops emulator --state`, a separate process storing asset
# blobs on disk), then downloaded: 2 parts (2,000,000,000 + 306,867,200 bytes), each streamed. Checks the
# download is byte-identical (sha256sum) and records wall time and peak RSS of the CLI process
# (/usr/bin/time -v) and the emulator's peak RSS (VmHWM). Then a download interrupted after DOWNLOAD_CUT
# seconds (default 6) is run again: parts already on disk are kept, the cut part resumes with a Range request.
# `mlops` is the npm package `pnpm pack:cli` builds, installed from its tarball into bench/data/cli (as users
# get it); MLOPS=/path/to/mlops measures another one. Needs ~4.5 GB free disk (emulator blobs + download).
set -euo pipefail
DATA=bench/data/bigmodel
rm -rf "$DATA" && mkdir -p "$DATA"
if [ -z "${MLOPS:-}" ]; then
  rm -rf bench/data/pack bench/data/cli && mkdir -p bench/data/cli
  node scripts/pack-cli.mjs --out bench/data/pack > /dev/null
  echo '{"name":"bench-cli","private":true}' > bench/data/cli/package.json
  (cd bench/data/cli && npm install --no-audit --no-fund --offline --silent ../pack/*.tgz)
  MLOPS=bench/data/cli/node_modules/.bin/mlops
fi
MODEL="$DATA/model.bin"
truncate -s 2200M "$MODEL"
for offset in 0 1000000000 1999999990 2000000000 2306867184; do
  head -c 16 /dev/urandom | dd of="$MODEL" bs=1 seek="$offset" conv=notrunc status=none
done
echo "source: $(stat -c '%s bytes, %b blocks allocated' "$MODEL")"
EXPECTED=$(sha256sum "$MODEL" | awk '{print $1}')

"$MLOPS" emulator --state "$DATA/emulator-state" > "$DATA/emulator.url" 2> "$DATA/emulator.log" &
EMULATOR_PID=$!
trap 'kill "$EMULATOR_PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do [ -s "$DATA/emulator.url" ] && break; sleep 0.1; done
URL=$(head -1 "$DATA/emulator.url")
export GITHUB_TOKEN=bench-token
COMMON=(--repo acme/big --api-url "$URL")
# The version tag points at the emulator repository's main head (this checkout's HEAD is not in it).
COMMIT=$(curl -sf -H "authorization: token $GITHUB_TOKEN" "$URL/repos/acme/big/commits/main" | node -e 'let t="";process.stdin.on("data",d=>t+=d).on("end",()=>console.log(JSON.parse(t).sha))')

measure() { # label, command...
  local label=$1; shift
  /usr/bin/time -v "$@" > "$DATA/$label.out" 2> "$DATA/$label.time"
  printf '%-22s wall %-8s user %-7s sys %-6s peak RSS %s kB\n' "$label" \
    "$(grep 'Elapsed' "$DATA/$label.time" | awk '{print $NF}')" \
    "$(grep 'User time' "$DATA/$label.time" | awk '{print $NF}')" \
    "$(grep 'System time' "$DATA/$label.time" | awk '{print $NF}')" \
    "$(grep 'Maximum resident' "$DATA/$label.time" | awk '{print $NF}')"
}
uptime
measure register "$MLOPS" registry register llm "$MODEL" "${COMMON[@]}" --commit "$COMMIT" --no-dispatch --format json
grep -E '"name"|"size"' "$DATA/register.out" | paste - - | sed 's/ \+/ /g'
grep -E '^(hashing|uploading)' "$DATA/register.time" | tail -2
measure download "$MLOPS" registry download llm:1 -o "$DATA/out" "${COMMON[@]}"
GOT=$(sha256sum "$DATA/out/model.bin" | awk '{print $1}')
[ "$GOT" = "$EXPECTED" ] && echo "sha256 identical: $GOT" || { echo "MISMATCH: $GOT != $EXPECTED"; exit 1; }

# Interrupted, then run again: the second run fetches only what is missing.
rm -rf "$DATA/out2"
timeout -s TERM "${DOWNLOAD_CUT:-6}" "$MLOPS" registry download llm:1 -o "$DATA/out2" "${COMMON[@]}" > /dev/null 2>&1 || true
echo "after the interruption: $(ls -l "$DATA"/out2/*.partial 2>/dev/null | awk '{print $5" bytes in "$NF}')"
measure resumed-download "$MLOPS" registry download llm:1 -o "$DATA/out2" "${COMMON[@]}"
GOT2=$(sha256sum "$DATA/out2/model.bin" | awk '{print $1}')
[ "$GOT2" = "$EXPECTED" ] && echo "resumed sha256 identical" || { echo "RESUMED MISMATCH"; exit 1; }
echo "emulator peak RSS: $(grep VmHWM /proc/$EMULATOR_PID/status | awk '{print $2" "$3}')"
uptime
# How often each asset was served (the emulator's download_count): the resumed run did not fetch part 1 again.
node -e '
const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
for (const a of s.repos["acme/big"].assets) console.log(`${a.name}: ${a.size} bytes, served ${a.download_count}×`);
' "$DATA/emulator-state/state.json"
