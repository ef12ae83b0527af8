#!/usr/bin/env bash
# Fetches the third-party JavaScript the product ships or tests with, from the npm registry, at
# pinned versions, and checks every byte against pinned SHA-256 sums, so the committed files are
# reproducible:
#   charts/assets/echarts.min.js   Apache ECharts, embedded in the binary and served at /assets/
#   testdata/axe/axe.min.js        axe-core, injected by the browser test (e2e/) to audit the pages
# Usage: scripts/fetch-assets.sh          fetch, verify and install (needs npm, tar, sha256sum)
#        scripts/fetch-assets.sh --check  verify the committed files only (no network)
set -euo pipefail
cd "$(dirname "$0")/.."

ECHARTS_VERSION=5.4.3
ECHARTS_TGZ_SHA256=89f6b509a83b3694645a8ec0dc8808999bb96610eac9e718fbda4726bb694eaf
ECHARTS_JS_SHA256=1156429a16a38cb8604dcc6518c19406d4226142d908f8edd2e3531443c54d19

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
	check charts/assets/echarts.min.js "$ECHARTS_JS_SHA256"
	check testdata/axe/axe.min.js "$AXE_JS_SHA256"
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "echarts@$ECHARTS_VERSION" "axe-core@$AXE_VERSION" >/dev/null)

check "$tmp/echarts-$ECHARTS_VERSION.tgz" "$ECHARTS_TGZ_SHA256"
tar -xzf "$tmp/echarts-$ECHARTS_VERSION.tgz" -C "$tmp" package/dist/echarts.min.js package/LICENSE package/NOTICE
check "$tmp/package/dist/echarts.min.js" "$ECHARTS_JS_SHA256"
cp "$tmp/package/dist/echarts.min.js" charts/assets/echarts.min.js
cp "$tmp/package/LICENSE" charts/assets/LICENSE-echarts
cp "$tmp/package/NOTICE" charts/assets/NOTICE-echarts
rm -rf "$tmp/package"

check "$tmp/axe-core-$AXE_VERSION.tgz" "$AXE_TGZ_SHA256"
tar -xzf "$tmp/axe-core-$AXE_VERSION.tgz" -C "$tmp" package/axe.min.js package/LICENSE
check "$tmp/package/axe.min.js" "$AXE_JS_SHA256"
mkdir -p testdata/axe
cp "$tmp/package/axe.min.js" testdata/axe/axe.min.js
cp "$tmp/package/LICENSE" testdata/axe/LICENSE

echo "installed echarts $ECHARTS_VERSION and axe-core $AXE_VERSION"
