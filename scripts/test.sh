#!/usr/bin/env bash
# The project's test command (README: "Run the tests"). gofmt, go vet,
# staticcheck, then the whole suite with the race detector.
set -euo pipefail
cd "$(dirname "$0")/.."
export CGO_ENABLED=1
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [[ -n $unformatted ]]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...
# staticcheck, pinned, from the Go module proxy (.ci/run installs it; a
# developer without it gets it installed into GOBIN on first use).
# Release 2026.2.2 is module version v0.8.2.
staticcheck=$(go env GOPATH)/bin/staticcheck
if ! "$staticcheck" -version 2>/dev/null | grep -q "(0.8.2)"; then
  go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
fi
"$staticcheck" ./...
go test -race -count=1 -timeout 20m ./...
