#!/usr/bin/env bash
# Load test (issue 6): builds the binary, starts `scorecard serve` on a fresh database file with
# the shipped data, and drives it over loopback with wrk (Debian package `wrk`), one endpoint at
# a time, each bounded by a duration and a request count. Prints requests/s and latency
# percentiles per endpoint, and the scorecard's requests/s as a share of /healthz's.
#
#   scripts/loadtest.sh                      # 10 s per endpoint, 32 connections
#   DURATION=2s MAX_REQUESTS=20000 scripts/loadtest.sh   # the short run CI does
#   GZIP=1 scripts/loadtest.sh               # send Accept-Encoding: gzip, as browsers do
#   PIN=0 scripts/loadtest.sh                # let wrk and the server share every CPU
#
# By default (PIN=1, with taskset and at least 2 CPUs) the server runs on the first half of the
# CPUs and wrk on the rest, so the load generator does not take the server's CPU: on a 2-core
# machine that sharing, not the server, is what puts 100-300 ms tail-loss-probe retransmissions
# into the p99 (docs/PERFORMANCE.md).
#
# Environment: DURATION (10s), CONNECTIONS (32), THREADS (wrk's CPUs, else 2), MAX_REQUESTS (1000000), PORT (18080),
# GZIP (unset: responses uncompressed, as from a client that does not ask for gzip), PIN (1),
# WARMUP (2s: each endpoint is driven this long, unmeasured, before it is measured, so the
# figures are the steady state, not the first renders and the heap growing; 0 to skip).
#
# It measures only the server it started: it refuses to run when something already listens on
# PORT, starts the server with a random metrics token, and before measuring (and again after
# each endpoint) checks that the process is still its child and that the server answering on
# PORT is the one holding that token (GET /metrics: 200 with it, 401 without).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-10s}"
WARMUP="${WARMUP:-2s}"
CONNECTIONS="${CONNECTIONS:-32}"
export MAX_REQUESTS="${MAX_REQUESTS:-1000000}"
PORT="${PORT:-18080}"
headers=()
if [[ -n "${GZIP:-}" ]]; then headers=(-H "Accept-Encoding: gzip"); fi
server_cpus=()
wrk_cpus=()
cpus=$(nproc)
if [[ "${PIN:-1}" == 1 ]] && command -v taskset >/dev/null && (( cpus >= 2 )); then
  half=$(( cpus / 2 ))
  server_cpus=(taskset -c "0-$(( half - 1 ))")
  wrk_cpus=(taskset -c "${half}-$(( cpus - 1 ))")
  export THREADS="${THREADS:-$(( cpus - half ))}"
fi
export THREADS="${THREADS:-2}"
BASE="http://127.0.0.1:${PORT}"

command -v wrk >/dev/null || { echo "loadtest: wrk is not installed (apt-get install -y wrk)" >&2; exit 1; }

work="$(mktemp -d)"
server=""
cleanup() {
  if [[ -n "$server" ]]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# port_open reports whether anything accepts connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/${PORT}") 2>/dev/null; }
if port_open; then
  echo "loadtest: something already listens on 127.0.0.1:${PORT}; it would be measured instead of the server this script starts. Stop it or set PORT." >&2
  exit 1
fi
# A secret only the server started here knows: whoever answers /metrics with it is that server.
instance_token="loadtest-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
# is_ours checks that the server is still this script's child and is the one answering on PORT.
is_ours() {
  kill -0 "$server" 2>/dev/null || { echo "loadtest: the server this script started (pid $server) has exited" >&2; return 1; }
  local with without
  with=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer ${instance_token}" "$BASE/metrics")
  without=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/metrics")
  if [[ "$with" != 200 || "$without" != 401 ]]; then
    echo "loadtest: the server on 127.0.0.1:${PORT} is not the one this script started (GET /metrics: $with with its token, $without without)" >&2
    return 1
  fi
}

go build -o "$work/scorecard" ./cmd/scorecard
start=$(date +%s%N)
SCORECARD_METRICS_TOKEN="$instance_token" "${server_cpus[@]}" "$work/scorecard" serve --db "$work/load.duckdb" --addr "127.0.0.1:${PORT}" --log-format text --drain-grace 0 >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 300); do
  if ! kill -0 "$server" 2>/dev/null; then cat "$work/server.log" >&2; echo "loadtest: server exited" >&2; exit 1; fi
  if grep -q "msg=serving url=http://127.0.0.1:${PORT}" "$work/server.log" && curl -fsS "$BASE/healthz" >/dev/null 2>&1; then break; fi
  sleep 0.1
done
curl -fsS "$BASE/healthz" >/dev/null
is_ours || exit 1
awk -v ns=$(( $(date +%s%N) - start )) 'BEGIN { printf "server ready in %.1f s (fresh database, shipped data loaded and evaluated)\n", ns / 1e9 }'
echo "wrk: $THREADS threads, $CONNECTIONS connections, at most $DURATION and $MAX_REQUESTS requests per endpoint after $WARMUP of warm-up${GZIP:+, Accept-Encoding: gzip}"
if (( ${#server_cpus[@]} )); then
  echo "CPUs: server on ${server_cpus[2]}, wrk on ${wrk_cpus[2]} (PIN=0 to share them)"
else
  echo "CPUs: server and wrk share all $cpus"
fi
echo

# The largest topic (69 of the 236 indicators): the area reads narrowed to it are measured
# beside the whole ones (issue 17).
topic="Children%20Looked%20After"
endpoints=(
  /healthz
  /api/v1/areas/E06000058/scorecard
  /areas/E06000058
  "/api/v1/areas/E06000058/scorecard?topic=${topic}"
  "/areas/E06000058?topic=${topic}"
  "/api/v1/scorecards/leicestershire-ewmh?area=855"
  /api/v1/indicators/perm-exclusion-rate/areas
  /areas/E06000058/indicators/injury-admissions-0-14
)
printf '%-66s %10s %9s %9s %9s %9s %7s\n' endpoint requests req/s p50_ms p90_ms p99_ms errors
declare -A rps
capped=0
for path in "${endpoints[@]}"; do
  # Every endpoint must answer 200 before it is measured.
  code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE$path")
  if [[ "$code" != 200 ]]; then echo "loadtest: $path answered $code" >&2; exit 1; fi
  if [[ "$WARMUP" != 0 && "$WARMUP" != 0s ]]; then
    "${wrk_cpus[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" --timeout 5s "${headers[@]}" "$BASE$path" >/dev/null
  fi
  line=$("${wrk_cpus[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 5s "${headers[@]}" -s scripts/loadtest.lua "$BASE$path" | grep '^RESULT')
  declare -A r=()
  for kv in ${line#RESULT }; do r[${kv%%=*}]=${kv#*=}; done
  rps[$path]=${r[rps]}
  if (( ${r[requests]} >= MAX_REQUESTS )); then capped=1; fi
  printf '%-66s %10s %9s %9s %9s %9s %7s\n' "$path" "${r[requests]}" "${r[rps]}" "${r[p50_ms]}" "${r[p90_ms]}" "${r[p99_ms]}" "${r[errors]}"
  if [[ "${r[errors]}" != 0 ]]; then echo "loadtest: $path had ${r[errors]} errors" >&2; exit 1; fi
  is_ours || exit 1
done
echo
awk -v s="${rps[/api/v1/areas/E06000058/scorecard]}" -v a="${rps[/areas/E06000058]}" -v h="${rps[/healthz]}" \
  'BEGIN { printf "area scorecard requests/s as a share of /healthz: %.2f; area page (every indicator): %.2f\n", s / h, a / h }'
awk -v s="${rps[/api/v1/areas/E06000058/scorecard?topic=${topic}]}" -v a="${rps[/areas/E06000058?topic=${topic}]}" -v h="${rps[/healthz]}" \
  'BEGIN { printf "one topic (Children Looked After): area scorecard requests/s as a share of /healthz: %.2f; area page: %.2f\n", s / h, a / h }'
# Body sizes, as this run's client received them (compressed with GZIP=1).
for path in /api/v1/areas/E06000058/scorecard /areas/E06000058 "/api/v1/areas/E06000058/scorecard?topic=${topic}" "/areas/E06000058?topic=${topic}"; do
  printf '%-66s body %s bytes\n' "$path" "$(curl -s -o /dev/null -w '%{size_download}' "${headers[@]}" "$BASE$path")"
done
if (( capped )); then
  echo "(some endpoints reached MAX_REQUESTS=$MAX_REQUESTS before the duration ended, so their requests/s are bounded by the cap: a smoke run, not a measurement)"
fi
