-- S1 authenticated read: GET /api/v1/users/me, round-robin over the access tokens in $BENCH_TOKENS (one a line).
-- $BENCH_DELAY_MS > 0 paces each connection (the modest fixed-rate stream run beside S2, S4 and S5).
local counter = 0
local function lines(path)
    local list = {}
    for line in io.lines(path) do
        if #line > 0 then list[#list + 1] = line end
    end
    return list
end

function setup(thread)
    counter = counter + 1
    thread:set("id", counter)
end

local tokens, index
function init(args)
    tokens = lines(os.getenv("BENCH_TOKENS"))
    index = ((id or 1) * 997) % #tokens -- threads start at different users
end

function request()
    index = index % #tokens + 1
    return wrk.format("GET", "/api/v1/users/me", { ["Authorization"] = "Bearer " .. tokens[index] })
end

local pause = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
if pause > 0 then
    function delay() return pause end
end
