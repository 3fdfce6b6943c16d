#!/usr/bin/env bash
# The project's test command (README: "Run the tests"). gofmt, go vet, then the
# whole suite with the race detector.
set -euo pipefail
cd "$(dirname "$0")/.."
export CGO_ENABLED=1
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [[ -n $unformatted ]]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...
go test -race -count=1 -timeout 20m ./...
