#!/usr/bin/env bash
# Builds the lifecycled binary exactly as the container image holds it (the
# Dockerfile's build stage runs this script, and so does CI's
# scripts/image.sh): CGO on for the SQLite driver, -trimpath, symbols
# stripped, the version stamped into `lifecycled version`.
#
# On Linux the binary is static (glibc linked in), so the image can be
# `FROM scratch`: netgo and osusergo keep the resolver and user lookups in
# Go (no NSS modules to dlopen), sqlite_omit_load_extension drops SQLite's
# dlopen of extensions. Zone data is embedded (config imports time/tzdata);
# CA certificates come from the image's /etc/ssl/certs.
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

tags='osusergo netgo sqlite_omit_load_extension'
ldflags="-s -w -X main.version=${version}"
linking=dynamic
if [[ $(go env GOOS) == linux ]]; then
  # libc.a comes with libc6-dev.
  ldflags+=' -linkmode external -extldflags -static'
  linking=static
fi

mkdir -p "$(dirname "$out")"
CGO_ENABLED=1 go build -trimpath -tags "$tags" -ldflags "$ldflags" -o "$out" ./cmd/lifecycled
echo "built $out ($("$out" version), $linking)"
