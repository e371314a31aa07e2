-- wrk -s bench/wrk_report.lua: at the end, one line of JSON with the figures bench/run.py reads,
-- including the 95th percentile that wrk --latency does not print. Latencies in microseconds.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"mean":%.1f,"stdev":%.1f,"p50":%d,"p75":%d,' ..
    '"p90":%d,"p95":%d,"p99":%d,"max":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
    summary.requests, summary.duration, summary.bytes, latency.mean, latency.stdev,
    latency:percentile(50), latency:percentile(75), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
