#!/usr/bin/env bash
# Start-up times (issue 17): the seconds from starting `scorecard serve` to /readyz answering 200,
# on a fresh database (load every shipped file, evaluate every indicator) and on an existing one
# (a restart), RUNS times each (5), with their medians.
#
#   scripts/startup-time.sh            # 5 fresh starts and 5 restarts, about a minute
#   RUNS=3 scripts/startup-time.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-5}"
work="$(mktemp -d)"
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
go build -o "$work/scorecard" ./cmd/scorecard
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 18123)"

# start DB: prints the seconds until /readyz answers, then stops the server (checkpointing).
start() {
  local t0 t1
  t0=$(date +%s%N)
  "$work/scorecard" serve --db "$1" --addr "127.0.0.1:$port" --auth=off >"$work/log" 2>&1 &
  pid=$!
  until curl -fs -o /dev/null "http://127.0.0.1:$port/readyz"; do
    kill -0 "$pid" 2>/dev/null || { cat "$work/log" >&2; exit 1; }
    sleep 0.01
  done
  t1=$(date +%s%N)
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  echo "scale=3; ($t1 - $t0) / 1000000000" | bc
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

: >"$work/fresh"; : >"$work/restart"
for i in $(seq 1 "$RUNS"); do
  rm -f "$work/db.duckdb" "$work/db.duckdb.wal"
  f=$(start "$work/db.duckdb"); echo "fresh start $i: $f s"; echo "$f" >>"$work/fresh"
  r=$(start "$work/db.duckdb"); echo "restart $i:     $r s"; echo "$r" >>"$work/restart"
done
grep -h "evaluated indicators" "$work/log" >/dev/null 2>&1 || true
echo "fresh start median $(median <"$work/fresh") s, restart median $(median <"$work/restart") s ($RUNS runs; database $(du -h "$work/db.duckdb" | cut -f1))"
