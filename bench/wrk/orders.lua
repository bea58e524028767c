-- POST /orders for wrk: every request its own idempotency key (external_id) and customer phone.
-- Used by bench/order_intake_wrk.py; env: BRIGADE_BENCH_KEY (API key), BRIGADE_BENCH_STORES (count),
-- BRIGADE_BENCH_RUN (a prefix unique to the run, so two runs never share a key).

local key = os.getenv("BRIGADE_BENCH_KEY") or ""
local stores = tonumber(os.getenv("BRIGADE_BENCH_STORES") or "10")
local run = os.getenv("BRIGADE_BENCH_RUN") or tostring(os.time())
local threads = {}
local started = 0

function setup(thread)
  started = started + 1
  thread:set("tid", started)
  table.insert(threads, thread)
end

local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-API-Key"] = key

local template = '{"store_id":"b%03d","external_id":"%s-%d-%d",'
  .. '"lines":[{"sku":"KB","quantity":1,"modifiers":["少辣"]},{"sku":"CH","quantity":6},{"sku":"NM","quantity":2}],'
  .. '"customer":{"phone":"+86139%02d%06d","name":"压测"},'
  .. '"delivery":{"address":"上海市黄浦区南京东路1号","lat":31.24,"lon":121.49}}'

function request()
  n = n + 1
  local t = tid or 0  -- the global setup() gave this thread
  local body = string.format(template, n % stores, run, t, n, t % 100, n % 1000000)
  return wrk.format(nil, "/orders", nil, body)
end

created = 0
replayed = 0
refused = 0
function response(status, headers, body)
  if status == 201 then
    created = created + 1
  elseif status == 200 then
    replayed = replayed + 1
  else
    refused = refused + 1
  end
end

function done(summary, latency, requests)
  local c, r, x = 0, 0, 0
  for _, thread in ipairs(threads) do
    c = c + (thread:get("created") or 0)
    r = r + (thread:get("replayed") or 0)
    x = x + (thread:get("refused") or 0)
  end
  io.write(string.format("WRK requests=%d duration_us=%d non2xx_or_3xx=%d connect_err=%d read_err=%d write_err=%d timeout=%d\n",
    summary.requests, summary.duration, summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout))
  io.write(string.format("WRK created=%d replayed=%d refused=%d\n", c, r, x))
  io.write(string.format("WRK p50_us=%d p90_us=%d p99_us=%d max_us=%d mean_us=%.0f\n",
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
