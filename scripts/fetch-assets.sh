#!/usr/bin/env bash
# Fetches the third-party JavaScript the product tests with, from the npm registry, at pinned
# versions, and checks every byte against pinned SHA-256 sums, so the committed files are
# reproducible:
#   testdata/axe/axe.min.js        axe-core, injected by the browser test (e2e/) to audit the pages
# The ECharts the binary embeds (charts/assets/echarts.min.js) is a custom build from npm's
# echarts package: scripts/build-echarts.sh builds it, and --check here checks it too.
# Usage: scripts/fetch-assets.sh          fetch, verify and install (needs npm, tar, sha256sum)
#        scripts/fetch-assets.sh --check  verify the committed files only (no network)
set -euo pipefail
cd "$(dirname "$0")/.."

AXE_VERSION=4.14.1
AXE_TGZ_SHA256=e6b0ce02b84d892e2e33e403485e7f3d6c29e2be6df65daf44d89ba564139745
AXE_JS_SHA256=29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c

check() { # file sha256
	local got
	got=$(sha256sum "$1" | cut -d' ' -f1)
	if [ "$got" != "$2" ]; then
		echo "sha256 mismatch for $1: got $got, want $2" >&2
		return 1
	fi
	echo "ok  $1  $2"
}

if [ "${1:-}" = "--check" ]; then
	scripts/build-echarts.sh --check
	check testdata/axe/axe.min.js "$AXE_JS_SHA256"
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "axe-core@$AXE_VERSION" >/dev/null)

check "$tmp/axe-core-$AXE_VERSION.tgz" "$AXE_TGZ_SHA256"
tar -xzf "$tmp/axe-core-$AXE_VERSION.tgz" -C "$tmp" package/axe.min.js package/LICENSE
check "$tmp/package/axe.min.js" "$AXE_JS_SHA256"
mkdir -p testdata/axe
cp "$tmp/package/axe.min.js" testdata/axe/axe.min.js
cp "$tmp/package/LICENSE" testdata/axe/LICENSE

echo "installed axe-core $AXE_VERSION (ECharts: scripts/build-echarts.sh)"
