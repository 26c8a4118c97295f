-- wrk script: POST ingest batches with fresh report ids, rotating over sites like real agents.
-- args: LIST_FILE, whose lines are "TOKEN TEMPLATE_FILE" (TOKEN "-" for none); each template holds "@RID@"
-- where each report id goes.
local threads = {}
local counter = 0
local sites = {}
local prefix = ""
local failures = 0

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

local function split(body)
  local parts, start = {}, 1
  while true do
    local i, j = string.find(body, "@RID@", start, true)
    if not i then break end
    table.insert(parts, string.sub(body, start, i - 1))
    start = j + 1
  end
  table.insert(parts, string.sub(body, start))
  return parts
end

function init(args)
  math.randomseed(os.time() * 100 + tid)
  prefix = string.format("w%dx%d", tid, math.random(1, 1000000000))
  for line in io.lines(args[1]) do
    local token, path = string.match(line, "^(%S+)%s+(%S+)$")
    local f = assert(io.open(path, "r"))
    local body = f:read("*a")
    f:close()
    local headers = {["Content-Type"] = "application/json"}
    if token ~= "-" then headers["Authorization"] = "Bearer " .. token end
    table.insert(sites, {parts = split(body), headers = headers})
  end
end

function request()
  counter = counter + 1
  local site = sites[(counter + tid) % #sites + 1]
  local parts = site.parts
  local out = {}
  for i = 1, #parts - 1 do
    out[#out + 1] = parts[i]
    out[#out + 1] = prefix .. "n" .. counter .. "r" .. i
  end
  out[#out + 1] = parts[#parts]
  return wrk.format("POST", "/api/v1/ingest", site.headers, table.concat(out))
end

function response(status, headers, body)
  if status ~= 200 then failures = failures + 1 end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + (t:get("failures") or 0) end
  io.write(string.format("NON200 %d\n", bad))
  io.write(string.format("ERRORS %d\n", summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
  io.write(string.format("LAT50 %.1f LAT99 %.1f\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
