-- wrk script for scripts/loadtest.sh: stops each thread after MAX_REQUESTS / threads responses
-- (so a run is bounded by a request count as well as by wrk's -d duration), counts non-200
-- responses, and prints one machine-readable RESULT line.
local max_per_thread = 0
local seen = 0
local bad = 0

function setup(thread)
  thread:set("id", 0)
end

function init(args)
  local max = tonumber(os.getenv("MAX_REQUESTS") or "0")
  local threads = tonumber(os.getenv("THREADS") or "1")
  if max > 0 then max_per_thread = math.ceil(max / threads) end
end

function response(status, headers, body)
  seen = seen + 1
  if status ~= 200 then bad = bad + 1 end
  if max_per_thread > 0 and seen >= max_per_thread then wrk.thread:stop() end
end

function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout + summary.errors.status
  io.write(string.format("RESULT requests=%d seconds=%.2f rps=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f errors=%d\n",
    summary.requests, secs, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, errors))
end
