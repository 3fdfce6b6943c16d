#!/usr/bin/env bash
# bench-sync.sh measures one full sync cycle of the real binary against the
# emulator running in its own process: wall time, peak RSS of the daemon, and
# the API calls it made (the cycle's own count, and the org's count from the
# emulator's Sforce-Limit-Info, which adds the token-time describe and
# record-type reads). A full pull over sync.bulk_threshold runs as a Bulk API
# 2.0 query job and a write of more than sync.bulk_write_threshold records as
# an ingest job, so there is no fixed per-page minimum to check the calls
# against: they are reported. Usage: scripts/bench-sync.sh [ACCOUNTS] [MAX_RSS_MB]
# With MAX_RSS_MB it fails when the daemon's peak RSS exceeds it.
# scripts/bench-pair.sh compares the same cycle with jsforce and a baseline.
#
#   scripts/bench-sync.sh 100000
#   scripts/bench-sync.sh 1000000 100
set -euo pipefail
cd "$(dirname "$0")/.."
accounts=${1:-100000}
max_rss_mb=${2:-}

work=$(mktemp -d)
emu_pid=
cleanup() {
  [[ -n $emu_pid ]] && kill "$emu_pid" 2>/dev/null && wait "$emu_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/lifecycled" ./cmd/lifecycled

# The emulator in its own process, so the daemon's RSS is its own.
"$work/lifecycled" emulate --addr 127.0.0.1:0 --accounts "$accounts" --seed 1 \
  --client-id bench-client --client-secret bench-secret --api-limit 100000000 \
  >"$work/emulate.out" 2>"$work/emulate.err" &
emu_pid=$!
for _ in $(seq 600); do
  [[ -s $work/emulate.out ]] && break
  kill -0 "$emu_pid" 2>/dev/null || { cat "$work/emulate.err"; exit 1; }
  sleep 0.5
done
url=$(head -1 "$work/emulate.out" | sed -E 's/.*"instance_url":"([^"]+)".*/\1/')

cat >"$work/lifecycled.yaml" <<EOF
salesforce:
  login_url: $url
  auth:
    flow: client_credentials
    client_id: bench-client
    client_secret: \${BENCH_SECRET}
state:
  path: $work/state.db
server:
  listen: 127.0.0.1:0
EOF

BENCH_SECRET=bench-secret /usr/bin/time -v "$work/lifecycled" sync --config "$work/lifecycled.yaml" \
  --log-format json 2>"$work/sync.err" >/dev/null || { tail -20 "$work/sync.err"; exit 1; }

line=$(grep '"msg":"cycle"' "$work/sync.err" | tail -1)
field() { sed -E "s/.*\"$1\":([0-9]+).*/\1/" <<<"$line"; }
rss_kb=$(sed -nE 's/.*Maximum resident set size \(kbytes\): ([0-9]+).*/\1/p' "$work/sync.err")
wall=$(sed -nE 's/.*Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (.*)/\1/p' "$work/sync.err")

printf 'accounts=%d pulled=%d changed=%d written=%d failed=%d api_calls=%d api_used=%d wall=%s peak_rss_mb=%d\n' \
  "$accounts" "$(field pulled)" "$(field changed)" "$(field written)" "$(field failed)" "$(field api_calls)" \
  "$(field api_used)" "$wall" $((rss_kb / 1024))
if [[ -n $max_rss_mb ]] && ((rss_kb / 1024 > max_rss_mb)); then
  echo "peak RSS $((rss_kb / 1024)) MB exceeds $max_rss_mb MB"
  exit 1
fi
