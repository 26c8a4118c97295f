-- wrk script: GET /api/v1/auth/me (bearer check + one SELECT), the ceiling beside the registrations.
function init(args)
  wrk.headers["Authorization"] = "Bearer " .. args[1]
end

function done(summary, latency, requests)
  io.write(string.format("WRK n=%d errors=%d p50_ms=%.1f p95_ms=%.1f rate=%.1f\n",
    summary.requests, summary.errors.status, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    summary.requests / (summary.duration / 1e6)))
end
