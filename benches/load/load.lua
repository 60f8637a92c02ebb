-- wrk script of the load harness (benches/load/run).
--
-- Without arguments every request is the URL's GET. With arguments
--   -- <file of request paths> <body bytes> <method>
-- each request is <method> of the next path in the file (one path+query a
-- line: presigned uploads of distinct objects) with a body of that many
-- bytes. done() prints one LOADJSON line the harness reads.

local paths = {}
local body = nil
local method = "GET"
local next_index = 1

local thread_count = 0
function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_id", thread_count)
end

function init(args)
  if #args == 0 then
    return
  end
  for line in io.lines(args[1]) do
    if #line > 0 then
      paths[#paths + 1] = line
    end
  end
  body = string.rep("b", tonumber(args[2]))
  method = args[3] or "PUT"
  -- Threads start at different places so they rarely write one object at once.
  next_index = ((thread_id or 1) - 1) * math.floor(#paths / 4) + 1
  local headers = { ["Content-Type"] = "application/octet-stream" }
  request = function()
    local path = paths[next_index]
    next_index = next_index % #paths + 1
    return wrk.format(method, path, headers, body)
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'LOADJSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect_errors":%d,' ..
    '"read_errors":%d,"write_errors":%d,"status_errors":%d,"timeouts":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max))
end
