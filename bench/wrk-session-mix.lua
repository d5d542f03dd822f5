-- session-bench's default workload for wrk (bench/generator-cost.ts runs it):
-- one user per connection (wrk -- <users>), each logs in on its first request;
-- a logged-in user reads (0.7), updates (0.25) or logs out (0.05); a logged-out
-- user first replays its revoked cookie (0.3, answered 401) and then logs in again.
-- wrk does not say which connection an answer came on: every answer the app sends
-- for a session carries its user id ({"u":..}), which is how the cookie is kept.
local READ, UPDATE, REPLAY = 0.7, 0.95, 0.3
local COOKIE = "sid"

local users = 64
local token = {}   -- user -> current session token
local revoked = {} -- user -> token of the session it logged out
local state = {}   -- user -> "out" | "logging-in" | "in" | "logging-out"
local next_user = 0

function init(args)
  users = tonumber(args[1]) or users
  math.randomseed(1)
  for u = 0, users - 1 do state[u] = "out" end
end

local function cookie(t) return { Cookie = COOKIE .. "=" .. t } end

function request()
  -- The next user whose login or logout is not in flight, round-robin.
  local u
  for _ = 1, users do
    u = next_user
    next_user = (next_user + 1) % users
    if state[u] == "in" or state[u] == "out" then break end
  end
  if state[u] == "out" then
    if revoked[u] and math.random() < REPLAY then
      local t = revoked[u]
      revoked[u] = nil
      return wrk.format("GET", "/page", cookie(t))
    end
    state[u] = "logging-in"
    return wrk.format("POST", "/login?u=" .. u)
  end
  if state[u] ~= "in" then return wrk.format("GET", "/health") end
  local r = math.random()
  if r < READ then return wrk.format("GET", "/page", cookie(token[u])) end
  if r < UPDATE then return wrk.format("POST", "/update", cookie(token[u])) end
  state[u] = "logging-out"
  return wrk.format("POST", "/logout", cookie(token[u]))
end

function response(status, headers, body)
  local set = headers["set-cookie"] or headers["Set-Cookie"]
  if status ~= 200 or not set then return end
  local u = tonumber(string.match(body, '"u":(%d+)'))
  if u == nil then return end
  local t = string.match(set, COOKIE .. "=([^;]*)")
  if t == "" then
    revoked[u] = token[u]
    state[u] = "out"
  elseif t then
    token[u] = t
    state[u] = "in"
  end
end
