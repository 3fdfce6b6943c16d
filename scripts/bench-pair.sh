#!/usr/bin/env bash
# bench-pair.sh measures a first sync of lifecycled side by side with a plain
# jsforce script doing the same job (scripts/bench-jsforce.mjs) and, when BASE
# names one, a baseline lifecycled binary, against the emulator in its own
# process, and prints the minimum and the median of every figure.
#
#   scripts/bench-pair.sh ACCOUNTS RUNS
#
# Every run of every contestant gets a fresh emulator (--seed 1, so the same
# data) and, for lifecycled, an empty state file. lifecycled runs
# `lifecycled sync` under /usr/bin/time (wall, peak RSS, bytes written: the
# process's file system outputs, 512-byte units, as /proc/PID/io write_bytes
# counts them), then the state file's size, then a second `lifecycled sync`
# on the same state and emulator (the cycle right after the first sync's
# writes). The jsforce script reads the desired values from a file made once
# per size by `lifecycled export | lifecycled eval` over a fresh emulator. The
# contestants' order rotates from run to run to spread the machine's noise.
#
# Environment:
#   LIFECYCLED    the current binary (default: built from this tree)
#   BASE          a baseline lifecycled binary to measure too (default: none)
#   NODE_PATH     a node_modules holding jsforce 3 (default: none, jsforce skipped)
#   RUNS_CURRENT, RUNS_BASE, RUNS_JSFORCE   runs per contestant (default: RUNS)
#   CURRENT_SYNC  YAML lines added under sync: for the current binary only,
#                 e.g. 'bulk_write_threshold: -1' (REST writes); with it the
#                 contestant is named "current+" in the table
#   OUT           directory keeping every log and the raw figures (default: a
#                 temporary directory, removed on exit)
# A sync that fails is reported and its figures go to a column of their own,
# "NAME (failed)", so that a failure never counts as a result.
set -euo pipefail
cd "$(dirname "$0")/.."
accounts=${1:?usage: scripts/bench-pair.sh ACCOUNTS RUNS}
runs=${2:?usage: scripts/bench-pair.sh ACCOUNTS RUNS}
runs_current=${RUNS_CURRENT:-$runs}
runs_base=${RUNS_BASE:-$runs}
runs_jsforce=${RUNS_JSFORCE:-$runs}
[[ -n ${BASE:-} ]] || runs_base=0
[[ -n ${NODE_PATH:-} ]] || runs_jsforce=0
script_dir=$PWD/scripts

keep=${OUT:-}
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"
emu_pid=
cleanup() {
  if [[ -n $emu_pid ]]; then kill "$emu_pid" 2>/dev/null || true; wait "$emu_pid" 2>/dev/null || true; fi
  [[ -n $keep ]] || rm -rf "$out"
}
trap cleanup EXIT

current=${LIFECYCLED:-}
if [[ -z $current ]]; then
  current=$out/lifecycled
  go build -o "$current" ./cmd/lifecycled
fi
secret=bench-secret
export BENCH_SECRET=$secret

# start_emulator DIR [SYNC_YAML] serves a fresh emulator and writes
# DIR/lifecycled.yaml for it; the instance URL is left in $url.
start_emulator() {
  local dir=$1 sync_yaml=${2:-}
  "$current" emulate --addr 127.0.0.1:0 --accounts "$accounts" --seed 1 \
    --client-id bench-client --client-secret "$secret" --api-limit 100000000 \
    >"$dir/emulate.out" 2>"$dir/emulate.err" &
  emu_pid=$!
  for _ in $(seq 1200); do
    [[ -s $dir/emulate.out ]] && break
    kill -0 "$emu_pid" 2>/dev/null || { cat "$dir/emulate.err" >&2; exit 1; }
    sleep 0.5
  done
  url=$(head -1 "$dir/emulate.out" | sed -E 's/.*"instance_url":"([^"]+)".*/\1/')
  cat >"$dir/lifecycled.yaml" <<EOF
salesforce:
  login_url: $url
  auth:
    flow: client_credentials
    client_id: bench-client
    client_secret: \${BENCH_SECRET}
state:
  path: $dir/state.db
server:
  listen: 127.0.0.1:0
EOF
  if [[ -n $sync_yaml ]]; then
    { echo "sync:"; sed 's/^/  /' <<<"$sync_yaml"; } >>"$dir/lifecycled.yaml"
  fi
}

stop_emulator() {
  kill "$emu_pid" 2>/dev/null || true
  wait "$emu_pid" 2>/dev/null || true
  emu_pid=
}

# num KEY FILE prints the number after "KEY": in the file's last line holding it.
num() { { grep -E "\"$1\":-?[0-9]" "$2" || true; } | tail -1 | sed -E "s/.*\"$1\":(-?[0-9.]+).*/\1/"; }
# timed KEY FILE prints a field of /usr/bin/time's -o file (key=value lines).
timed() { sed -nE "s/^$1=([0-9.]+)$/\1/p" "$2"; }

# The desired values for the jsforce script, once per size.
desired=$out/desired.jsonl
tags_avg=0
if ((runs_jsforce > 0)); then
  mkdir -p "$out/prepare"
  start_emulator "$out/prepare"
  "$current" export --config "$out/prepare/lifecycled.yaml" --out "$out/prepare/accounts.jsonl" 2>"$out/prepare/export.err"
  "$current" eval --config "$out/prepare/lifecycled.yaml" "$out/prepare/accounts.jsonl" >"$desired"
  stop_emulator
  rm -f "$out/prepare/accounts.jsonl"
  tags_avg=$(awk '{ if (match($0, /"tags":"[^"]*"/)) s += RLENGTH - 9 } END { printf "%d", NR ? s / NR : 0 }' "$desired")
fi

results=$out/results.tsv
printf 'contestant\trun\twall_s\trss_mb\tcalls\tcalls_org\tpulled\tchanged\twritten\tfailed\tdisk_mb\tdisk_b_per_acct\tstate_mb\tstate_b_per_acct\tnext_wall_s\tnext_calls\tnext_calls_org\tnext_pulled\tnext_changed\n' >"$results"

# run_lifecycled NAME BINARY RUN [SYNC_YAML] measures a first sync and the
# cycle after it.
run_lifecycled() {
  local name=$1 bin=$2 run=$3 dir=$out/$1-$3
  mkdir -p "$dir"
  start_emulator "$dir" "${4:-}"
  if ! /usr/bin/time -o "$dir/time1" -f $'wall=%e\nrss_kb=%M\nfs_out=%O' \
    "$bin" sync --config "$dir/lifecycled.yaml" --log-format json >/dev/null 2>"$dir/sync1.err"; then
    echo "$name run $run: first sync failed: $(tail -1 "$dir/sync1.err")" | tee -a "$out/failures" >&2
    name="$name (failed)"
  fi
  local state_bytes=0 f
  for f in "$dir"/state.db "$dir"/state.db-wal; do
    [[ -f $f ]] && state_bytes=$((state_bytes + $(stat -c %s "$f")))
  done
  if ! /usr/bin/time -o "$dir/time2" -f $'wall=%e\nrss_kb=%M\nfs_out=%O' \
    "$bin" sync --config "$dir/lifecycled.yaml" --log-format json >/dev/null 2>"$dir/sync2.err"; then
    echo "$name run $run: second sync failed: $(tail -1 "$dir/sync2.err")" | tee -a "$out/failures" >&2
    [[ $name == *"(failed)" ]] || name="$name (failed)"
  fi
  stop_emulator
  grep '"msg":"cycle"' "$dir/sync1.err" >"$dir/cycle1" || true
  grep '"msg":"cycle"' "$dir/sync2.err" >"$dir/cycle2" || true
  local used1 used2 disk
  used1=$(num api_used "$dir/cycle1")
  used2=$(num api_used "$dir/cycle2")
  used1=${used1:-0} used2=${used2:-0}
  disk=$(($(timed fs_out "$dir/time1") * 512))
  printf '%s\t%d\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%.1f\t%d\t%.1f\t%d\t%s\t%d\t%d\t%d\t%d\n' \
    "$name" "$run" "$(timed wall "$dir/time1")" $(($(timed rss_kb "$dir/time1") / 1024)) \
    "$(num api_calls "$dir/cycle1")" "$used1" "$(num pulled "$dir/cycle1")" "$(num changed "$dir/cycle1")" \
    "$(num written "$dir/cycle1")" "$(num failed "$dir/cycle1")" \
    "$(awk -v b="$disk" 'BEGIN { print b / 1048576 }')" $((disk / accounts)) \
    "$(awk -v b="$state_bytes" 'BEGIN { print b / 1048576 }')" $((state_bytes / accounts)) \
    "$(timed wall "$dir/time2")" "$(num api_calls "$dir/cycle2")" $((used2 - used1)) \
    "$(num pulled "$dir/cycle2")" "$(num changed "$dir/cycle2")" >>"$results"
  # Anything the daemon warned about or retried, for the reader of OUT.
  grep -hE '"level":"(WARN|ERROR)"' "$dir/sync1.err" "$dir/sync2.err" | grep -v 'config and org disagree' | head -5 >&2 || true
}

run_jsforce() {
  local run=$1 dir=$out/jsforce-$1
  mkdir -p "$dir"
  start_emulator "$dir"
  /usr/bin/time -o "$dir/time1" -f $'wall=%e\nrss_kb=%M\nfs_out=%O' \
    node "$script_dir/bench-jsforce.mjs" "$url" bench-client "$desired" >"$dir/jsforce.out" 2>"$dir/jsforce.err" ||
    { tail -5 "$dir/jsforce.err" >&2; exit 1; }
  stop_emulator
  local f=$dir/jsforce.out
  printf 'jsforce\t%d\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t-\t-\t-\t-\t-\t-\t-\t-\t-\n' \
    "$run" "$(timed wall "$dir/time1")" $(($(timed rss_kb "$dir/time1") / 1024)) \
    "$(num api_calls "$f")" "$(num api_used "$f")" "$(num pulled "$f")" "$(num changed "$f")" \
    "$(num written "$f")" "$(num failed "$f")" >>"$results"
}

contestants=(current jsforce base)
current_name=current
[[ -z ${CURRENT_SYNC:-} ]] || current_name=current+
max_runs=$runs_current
((runs_jsforce > max_runs)) && max_runs=$runs_jsforce
((runs_base > max_runs)) && max_runs=$runs_base
for ((r = 1; r <= max_runs; r++)); do
  for ((k = 0; k < 3; k++)); do
    c=${contestants[(k + r - 1) % 3]}
    case $c in
    current) ((r <= runs_current)) && { echo "run $r: lifecycled ($current_name)" >&2; run_lifecycled "$current_name" "$current" "$r" "${CURRENT_SYNC:-}"; } ;;
    base) ((r <= runs_base)) && { echo "run $r: lifecycled (base)" >&2; run_lifecycled base "$BASE" "$r"; } ;;
    jsforce) ((r <= runs_jsforce)) && { echo "run $r: jsforce" >&2; run_jsforce "$r"; } ;;
    esac
  done
done

# The table: for every figure, min / median per contestant.
echo
echo "accounts=$accounts runs: current=$runs_current jsforce=$runs_jsforce base=$runs_base; mean tags length $tags_avg bytes"
awk -F'\t' '
NR == 1 { for (i = 3; i <= NF; i++) name[i] = $i; nf = NF; next }
{
  if (!($1 in seen)) { seen[$1] = 1; order[++nc] = $1 }
  for (i = 3; i <= nf; i++) if ($i != "-") { n = ++cnt[$1, i]; v[$1, i, n] = $i + 0 }
}
function cell(c, i,    n, a, j, k, t, med) {
  n = cnt[c, i]
  if (!n) return "-"
  for (j = 1; j <= n; j++) a[j] = v[c, i, j]
  for (j = 2; j <= n; j++) { t = a[j]; for (k = j - 1; k >= 1 && a[k] > t; k--) a[k + 1] = a[k]; a[k + 1] = t }
  med = n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  return fmt(a[1]) " / " fmt(med)
}
function fmt(x) { return x == int(x) ? sprintf("%d", x) : sprintf("%.2f", x) }
END {
  printf "| figure (min / median) |"; for (c = 1; c <= nc; c++) printf " %s (%d runs) |", order[c], cnt[order[c], 3]; print ""
  printf "| --- |"; for (c = 1; c <= nc; c++) printf " --- |"; print ""
  for (i = 3; i <= nf; i++) {
    printf "| %s |", name[i]; for (c = 1; c <= nc; c++) printf " %s |", cell(order[c], i); print ""
  }
}' "$results"
[[ ! -s $out/failures ]] || { echo "failures:"; cat "$out/failures"; }
[[ -z ${CURRENT_SYNC:-} ]] || echo "current+: the current binary with sync: ${CURRENT_SYNC//$'\n'/; }"
[[ -z $keep ]] || echo "raw figures and logs: $out"
