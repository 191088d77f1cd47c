-- wrk script for `make bench`: replays a file of requests, one per line,
--   METHOD <tab> PATH [<tab> Header-Name: value]...
-- (the signed-in lines carry the member's Cookie, co-signs their CSRF header too).
-- Thread n of T sends lines n, n+T, n+2T, … in turn, so together the threads walk the
-- file in order and no line is sent twice until the file runs out: the file's members
-- come in a fixed cycle (benchmarks/traffic.py), so no member repeats within a cycle
-- (and each co-sign line signs a different pledge as a different member).
-- At the end it prints one line of JSON with the throughput and latency percentiles.

local threads = {}

function setup(thread)
  thread:set("thread_number", #threads)
  table.insert(threads, thread)
end

function init(args)
  local path = args[1]
  thread_count = tonumber(args[2]) or 1
  requests = {}
  for line in io.lines(path) do
    local fields = {}
    for field in (line .. "\t"):gmatch("([^\t]*)\t") do table.insert(fields, field) end
    if #fields >= 2 and fields[1] ~= "" then
      local method, target = fields[1], fields[2]
      local headers = {}
      for i = 3, #fields do
        local name, value = fields[i]:match("^([^:]+):%s*(.*)$")
        if name then headers[name] = value end
      end
      local body = nil
      if method == "POST" then
        body = ""
        headers["Content-Type"] = "application/x-www-form-urlencoded"
      end
      table.insert(requests, wrk.format(method, target, headers, body))
    end
  end
  -- Where this run starts in the file: later runs skip lines earlier runs used.
  position = (tonumber(args[3]) or 0) + thread_number
end

function request()
  local r = requests[(position % #requests) + 1]
  position = position + thread_count
  return r
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p95": %d, "p99": %d, "max": %d, "mean": %.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean))
end
