-- POSTs AdmissionReview bodies. BENCH_BODIES is a list "path=file;path=file;...": one pair is one scenario; several
-- pairs (the warm-up) are sent in turn, so every code path gets hot. done() prints one machine-readable line.
local targets = {}

local function load(file)
  local f = assert(io.open(file, "rb"))
  local body = f:read("*a")
  f:close()
  return body
end

-- Built in init (per thread): by then wrk knows the Host header that wrk.format adds.
function init(args)
  for pair in string.gmatch(os.getenv("BENCH_BODIES") or "", "[^;]+") do
    local path, file = string.match(pair, "(.+)=(.+)")  -- greedy: a path may carry ?timeout=10s
    table.insert(targets, wrk.format("POST", path, { ["Content-Type"] = "application/json" }, load(file)))
  end
end

local next = 0
function request()
  next = next % #targets + 1
  return targets[next]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d duration_us=%d connect=%d read=%d write=%d status=%d timeout=%d p50_us=%d p90_us=%d p99_us=%d\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99)))
end
