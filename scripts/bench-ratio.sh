#!/usr/bin/env bash
# The engine-to-baseline ratio (issue 6), measured so that drift on a shared machine cancels:
# BenchmarkEvaluateAll and BenchmarkRawSQLBaseline run alternately, PAIRS times each (8), in
# separate processes, and the script prints every pair, both medians and their ratio. The raw
# lines are benchstat input.
#
#   scripts/bench-ratio.sh            # 8 pairs, about 2 minutes
#   PAIRS=3 scripts/bench-ratio.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PAIRS="${PAIRS:-8}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
go test -c -o "$work/bench.test" ./bench
cd bench
for i in $(seq 1 "$PAIRS"); do
  for b in 'EvaluateAll$' 'RawSQLBaseline$'; do
    "$work/bench.test" -test.run '^$' -test.bench "$b" -test.count 1 | grep '^Benchmark' | tee -a "$work/raw.txt"
  done
done
echo
awk '
  /^BenchmarkEvaluateAll/    { e[ne++] = $3 }
  /^BenchmarkRawSQLBaseline/ { b[nb++] = $3 }
  function median(a, n,   i, j, t) {
    for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[int(n / 2)] : (a[n / 2 - 1] + a[n / 2]) / 2
  }
  END {
    me = median(e, ne); mb = median(b, nb)
    printf "EvaluateAll median %.1f ms, RawSQLBaseline median %.1f ms, ratio %.2f (%d pairs)\n", me / 1e6, mb / 1e6, me / mb, ne
  }' "$work/raw.txt"
