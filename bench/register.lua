-- wrk script: POST a different complaint each request; counts non-201 answers; prints p50/p95 at the end.
local counter = 0
local towns = {"orangi", "lyari", "korangi", "malir", "saddar", "keamari"}
local cats = {"garbage", "roads-pothole", "water-leakage", "street-lighting"}
errors = 0  -- global, so done() can read each thread's count
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  wrk.headers["Authorization"] = "Bearer " .. args[1]
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local i = id * 1000000 + counter
  local body = string.format(
    '{"channel":"call_centre","category":"%s","description":"Bench complaint %d: heap near the market lane %d",' ..
    '"citizen_name":"Bench Citizen","phone":"+92300%07d","town":"%s",' ..
    '"channel_data":{"caller_number":"+923001234567","call_ref":"rec-%d"}}',
    cats[counter % #cats + 1], i, counter % 97, 1000000 + i % 8999999, towns[counter % #towns + 1], i)
  return wrk.format("POST", "/api/v1/complaints", nil, body)
end

function response(status, headers, body)
  if status ~= 201 and status ~= 200 then errors = errors + 1 end
end

function done(summary, latency, requests)
  local errs = 0
  for _, t in ipairs(threads) do errs = errs + (t:get("errors") or 0) end
  io.write(string.format("WRK n=%d errors=%d p50_ms=%.1f p95_ms=%.1f rate=%.1f\n",
    summary.requests, errs + summary.errors.status, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    summary.requests / (summary.duration / 1e6)))
end
