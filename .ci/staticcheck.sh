#!/usr/bin/env bash
# staticcheck at a pinned version, with no findings allowed (every check it enables by default).
# The first run downloads and compiles it (about a minute); later runs use the Go build cache.
set -euo pipefail
cd "$(dirname "$0")/.."
STATICCHECK_VERSION="${STATICCHECK_VERSION:-v0.8.2}" # staticcheck 2026.2.2
go run "honnef.co/go/tools/cmd/staticcheck@${STATICCHECK_VERSION}" -version
go run "honnef.co/go/tools/cmd/staticcheck@${STATICCHECK_VERSION}" ./...
