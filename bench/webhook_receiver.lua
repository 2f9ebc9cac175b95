-- wrk script for bench/webhook_receiver.py: POSTs LiSA-shaped show events, each with its own id.
-- The receiver's credential comes in LSW_BENCH_AUTH; the body is about 2 KB, like a small show.
local threads = 0
local run = os.time() % 65536

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

local n = 0
local auth = os.getenv("LSW_BENCH_AUTH")
local pad = string.rep("Join Rosie and Holly to shop the must-buys you love. ", 36)

function request()
  n = n + 1
  local id = string.format("%08x-%04x-4000-8000-%012x", tid, run, n)
  local body = '{"id":"' .. id .. '","eventType":"Show:update",' ..
    '"eventDate":"2026-11-20T12:00:00.000Z","client":"bench",' ..
    '"detail":{"id":"' .. id .. '","status":"ready","description":{"*":"' .. pad .. '"},' ..
    '"streams":[]},"change":{"removed":[],"updated":{"meta.modifiedAt":"2026-11-20T12:00:00Z"}}}'
  return wrk.format("POST", nil, {["Content-Type"] = "application/json",
    ["Authorization"] = auth}, body)
end
