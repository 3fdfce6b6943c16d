#!/usr/bin/env bash
# Builds the lifecycled binary exactly as the container image does (the
# Dockerfile runs this script, and so does CI): CGO on for the SQLite driver,
# -trimpath, symbols stripped, the version stamped into `lifecycled version`.
#
#   scripts/build.sh [OUTPUT]      default OUTPUT: bin/lifecycled
#   VERSION=1.2.3 scripts/build.sh default VERSION: git describe, else "dev"
set -euo pipefail

out=${1:-bin/lifecycled}
case $out in
  /*) ;;
  *) out="$PWD/$out" ;; # relative to the caller, not to the repository
esac
cd "$(dirname "$0")/.."

version=${VERSION:-}
if [[ -z $version ]]; then
  version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
fi

if ! command -v "$(go env CC)" >/dev/null 2>&1; then
  echo "build.sh: no C compiler ($(go env CC)); the SQLite driver needs one (apt-get install gcc libc6-dev)" >&2
  exit 1
fi

mkdir -p "$(dirname "$out")"
CGO_ENABLED=1 go build -trimpath -ldflags "-s -w -X main.version=${version}" -o "$out" ./cmd/lifecycled
echo "built $out ($("$out" version))"
