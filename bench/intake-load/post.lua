-- wrk script: POSTs pre-generated JSON batches to the URL given to wrk, cycling through all of them,
-- and ends with one machine-readable RESULT line for run.sh to parse.
--
-- Environment:
--   PAYLOAD_DIR        directory holding batch-0000.json, batch-0001.json, ... (required)
--   AUTH_TOKEN         sent as "Authorization: Bearer <token>" when set (intake); unset for Zipkin
--   ITEMS_PER_REQUEST  items in each batch, to turn requests into items (default 100)
--   LABEL              copied into the RESULT line (default "load")
--   CONTENT_TYPE       the bodies' Content-Type (default application/json; bench/otlp-ingest sends
--                      application/x-protobuf)
--   PAYLOAD_SUFFIX     the bodies' file suffix (default .json; .pb for protobuf)
--
-- Every body is read and formatted into a complete HTTP request once, in init(), so the hot path
-- only hands back a prepared string: reading files or building requests per call would put wrk's own
-- cost into the figures, and wrk shares the machine's two cores with the server under test.

local payload_dir = os.getenv("PAYLOAD_DIR")
local token = os.getenv("AUTH_TOKEN")
local items_per_request = tonumber(os.getenv("ITEMS_PER_REQUEST") or "100")
local label = os.getenv("LABEL") or "load"
local content_type = os.getenv("CONTENT_TYPE") or "application/json"
local suffix = os.getenv("PAYLOAD_SUFFIX") or ".json"

local prepared = {}
local cursor = 0

-- Per-thread tallies. Globals, because done() runs in another Lua state and can only read a
-- thread's globals through thread:get(). wrk's own errors.status counts only >= 400, and says
-- nothing of which status or why; the first refused body is kept to show the server's reason.
non2xx = 0
statuses = {}
first_rejection = nil

local threads = {}

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

function init(args)
  if not payload_dir or payload_dir == "" then
    error("post.lua: set PAYLOAD_DIR to the directory of batch-NNNN.json files")
  end
  local i = 0
  while true do
    local f = io.open(string.format("%s/batch-%04d%s", payload_dir, i, suffix), "rb")
    if not f then break end
    local body = f:read("*a")
    f:close()
    local headers = { ["Content-Type"] = content_type }
    if token and token ~= "" then
      headers["Authorization"] = "Bearer " .. token
    end
    prepared[#prepared + 1] = wrk.format("POST", wrk.path, headers, body)
    i = i + 1
  end
  if #prepared == 0 then
    error("post.lua: no batch-0000" .. suffix .. " in " .. payload_dir)
  end
  -- Threads start at different batches so they do not send the same body in lock-step.
  cursor = (thread_index * math.floor(#prepared / 2)) % #prepared
end

function request()
  cursor = cursor % #prepared + 1
  return prepared[cursor]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if not first_rejection then
      first_rejection = status .. " " .. string.sub(body or "", 1, 300)
    end
  end
end

function done(summary, latency, requests)
  local rejected, by_status, rejection = 0, {}, nil
  for _, t in ipairs(threads) do
    rejected = rejected + (t:get("non2xx") or 0)
    for status, n in pairs(t:get("statuses") or {}) do
      by_status[status] = (by_status[status] or 0) + n
    end
    rejection = rejection or t:get("first_rejection")
  end
  local codes = {}
  for status in pairs(by_status) do codes[#codes + 1] = status end
  table.sort(codes)
  for i, status in ipairs(codes) do codes[i] = status .. ":" .. by_status[status] end
  local seconds = summary.duration / 1e6
  local accepted = summary.requests - rejected
  local e = summary.errors
  io.write(string.format(
    "RESULT label=%s requests=%d seconds=%.2f rps=%.1f items=%d items_per_s=%.1f " ..
    "p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f non2xx=%d timeouts=%d socket_errors=%d " ..
    "bytes_read=%d statuses=%s\n",
    label, summary.requests, seconds, summary.requests / seconds,
    accepted * items_per_request, accepted * items_per_request / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    rejected, e.timeout, e.connect + e.read + e.write, summary.bytes, table.concat(codes, ",")))
  if rejection then
    io.write("REJECTED " .. string.gsub(rejection, "[\r\n]", " ") .. "\n")
  end
end
