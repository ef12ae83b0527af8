#!/usr/bin/env bash
# Load test (issue 6): builds the binary, starts `scorecard serve` on a fresh database file with
# the shipped data, and drives it over loopback with wrk (Debian package `wrk`), one endpoint at
# a time, each bounded by a duration and a request count. Prints requests/s and latency
# percentiles per endpoint, and the scorecard's requests/s as a share of /healthz's.
#
#   scripts/loadtest.sh                      # 10 s per endpoint, 32 connections, 2 threads
#   DURATION=2s MAX_REQUESTS=20000 scripts/loadtest.sh   # the short run CI does
#   GZIP=1 scripts/loadtest.sh               # send Accept-Encoding: gzip, as browsers do
#
# Environment: DURATION (10s), CONNECTIONS (32), THREADS (2), MAX_REQUESTS (1000000), PORT (18080),
# GZIP (unset: responses uncompressed, as from a client that does not ask for gzip).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-32}"
export THREADS="${THREADS:-2}"
export MAX_REQUESTS="${MAX_REQUESTS:-1000000}"
PORT="${PORT:-18080}"
headers=()
if [[ -n "${GZIP:-}" ]]; then headers=(-H "Accept-Encoding: gzip"); fi
BASE="http://127.0.0.1:${PORT}"

command -v wrk >/dev/null || { echo "loadtest: wrk is not installed (apt-get install -y wrk)" >&2; exit 1; }

work="$(mktemp -d)"
server=""
cleanup() {
  if [[ -n "$server" ]]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/scorecard" ./cmd/scorecard
start=$(date +%s%N)
"$work/scorecard" serve --db "$work/load.duckdb" --addr "127.0.0.1:${PORT}" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 300); do
  if curl -fsS "$BASE/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then cat "$work/server.log" >&2; echo "loadtest: server exited" >&2; exit 1; fi
  sleep 0.1
done
curl -fsS "$BASE/healthz" >/dev/null
awk -v ns=$(( $(date +%s%N) - start )) 'BEGIN { printf "server ready in %.1f s (fresh database, shipped data loaded and evaluated)\n", ns / 1e9 }'
echo "wrk: $THREADS threads, $CONNECTIONS connections, at most $DURATION and $MAX_REQUESTS requests per endpoint${GZIP:+, Accept-Encoding: gzip}"
echo

endpoints=(
  /healthz
  /api/v1/areas/E06000058/scorecard
  "/api/v1/scorecards/leicestershire-ewmh?area=855"
  /api/v1/indicators/perm-exclusion-rate/areas
  /areas/E06000058/indicators/injury-admissions-0-14
)
printf '%-52s %10s %9s %9s %9s %9s %7s\n' endpoint requests req/s p50_ms p90_ms p99_ms errors
declare -A rps
capped=0
for path in "${endpoints[@]}"; do
  # Every endpoint must answer 200 before it is measured.
  code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE$path")
  if [[ "$code" != 200 ]]; then echo "loadtest: $path answered $code" >&2; exit 1; fi
  line=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 5s "${headers[@]}" -s scripts/loadtest.lua "$BASE$path" | grep '^RESULT')
  declare -A r=()
  for kv in ${line#RESULT }; do r[${kv%%=*}]=${kv#*=}; done
  rps[$path]=${r[rps]}
  if (( ${r[requests]} >= MAX_REQUESTS )); then capped=1; fi
  printf '%-52s %10s %9s %9s %9s %9s %7s\n' "$path" "${r[requests]}" "${r[rps]}" "${r[p50_ms]}" "${r[p90_ms]}" "${r[p99_ms]}" "${r[errors]}"
  if [[ "${r[errors]}" != 0 ]]; then echo "loadtest: $path had ${r[errors]} errors" >&2; exit 1; fi
done
echo
awk -v s="${rps[/api/v1/areas/E06000058/scorecard]}" -v h="${rps[/healthz]}" \
  'BEGIN { printf "scorecard requests/s as a share of /healthz: %.2f\n", s / h }'
if (( capped )); then
  echo "(some endpoints reached MAX_REQUESTS=$MAX_REQUESTS before the duration ended, so their requests/s are bounded by the cap: a smoke run, not a measurement)"
fi
