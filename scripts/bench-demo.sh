#!/bin/sh
# bench-demo.sh: how long `lifecycled demo --days N` takes for A accounts
# (default 400 days, 5,000 accounts), and the calibration it ends with.
# Usage: scripts/bench-demo.sh [DAYS] [ACCOUNTS]
set -eu
days=${1:-400}
accounts=${2:-5000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
go build -o "$dir/lifecycled" ./cmd/lifecycled
start=$(date +%s.%N)
"$dir/lifecycled" demo --days "$days" --cycles "$days" --accounts "$accounts" \
	--state "$dir/state.db" --listen 127.0.0.1:0 --log-level warn >"$dir/out.txt"
end=$(date +%s.%N)
echo "demo --days $days --accounts $accounts: $(echo "$end - $start" | bc) s"
tail -n 20 "$dir/out.txt"
