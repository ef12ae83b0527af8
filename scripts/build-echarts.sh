#!/usr/bin/env bash
# Builds charts/assets/echarts.min.js, the Apache ECharts the binary embeds: a custom bundle of
# only the series, components and renderer the board pages use (charts/assets/build/entry.js),
# made with esbuild from echarts' tree-shakable ES modules, both at the versions pinned in
# charts/assets/build/package-lock.json. The output is byte-for-byte reproducible, and its
# SHA-256 is pinned below (and in charts/assets/SOURCES.md and charts/charts_test.go).
# Usage: scripts/build-echarts.sh           npm ci, bundle, verify, install (needs node and npm)
#        scripts/build-echarts.sh --check   verify the committed bundle's sha256 only (offline)
#        scripts/build-echarts.sh --verify  rebuild in a temporary directory and compare
#                                           with the committed bundle (needs npm)
set -euo pipefail
cd "$(dirname "$0")/.."

ECHARTS_VERSION=5.4.3
BUNDLE_SHA256=2767c8e4babe30dc17b1fab2843988813d91949ab25a54fe5ba87c440e6ffda6
BUNDLE=charts/assets/echarts.min.js
BUILD=charts/assets/build

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
	check "$BUNDLE" "$BUNDLE_SHA256"
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$BUILD/package.json" "$BUILD/package-lock.json" "$BUILD/entry.js" "$tmp/"
# npm ci installs exactly the lock file's tarballs (checked against their recorded integrity);
# esbuild's install script is not needed: its JS wrapper finds the platform's binary package.
(cd "$tmp" && npm ci --silent --no-audit --no-fund --ignore-scripts)
got=$(node -p 'require(process.argv[1] + "/node_modules/echarts/package.json").version' "$tmp")
if [ "$got" != "$ECHARTS_VERSION" ]; then
	echo "the lock file installs echarts $got, want $ECHARTS_VERSION" >&2
	exit 1
fi
(cd "$tmp" && ./node_modules/.bin/esbuild entry.js --bundle --minify --format=iife --target=es2017 \
	--define:process.env.NODE_ENV='"production"' --legal-comments=none --charset=utf8 --log-level=warning \
	--banner:js="/*! Apache ECharts $ECHARTS_VERSION, custom build (scripts/build-echarts.sh): line, bar, scatter, boxplot; grid, legend, title, tooltip; canvas renderer. Apache-2.0 (LICENSE-echarts, NOTICE-echarts); includes ZRender, BSD-3-Clause (LICENSE-zrender), and code from d3, BSD-3-Clause (LICENSE-d3) */" \
	--outfile=echarts.min.js)

if [ "${1:-}" = "--verify" ]; then
	cmp "$tmp/echarts.min.js" "$BUNDLE"
	check "$BUNDLE" "$BUNDLE_SHA256"
	exit 0
fi
check "$tmp/echarts.min.js" "$BUNDLE_SHA256" || {
	echo "(if the change is intended, update BUNDLE_SHA256 here, charts/assets/SOURCES.md and charts/charts_test.go)" >&2
	[ "${FORCE:-}" = 1 ] || exit 1
}
cp "$tmp/echarts.min.js" "$BUNDLE"
cp "$tmp/node_modules/echarts/LICENSE" charts/assets/LICENSE-echarts
cp "$tmp/node_modules/echarts/NOTICE" charts/assets/NOTICE-echarts
cp "$tmp/node_modules/echarts/licenses/LICENSE-d3" charts/assets/LICENSE-d3
cp "$tmp/node_modules/zrender/LICENSE" charts/assets/LICENSE-zrender
echo "installed $BUNDLE ($(wc -c <"$BUNDLE") bytes, echarts $ECHARTS_VERSION)"
