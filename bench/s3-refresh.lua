-- S3 refresh rotation: POST /api/v1/auth/refresh, every refresh token used exactly once. Each wrk thread takes
-- its share of $BENCH_REFRESH (one token a line) as a pool; a request takes a token out, its answer puts the
-- rotated one back, so every request presents a fresh token (a reused one would revoke the session).
local counter = 0
function setup(thread)
    counter = counter + 1
    thread:set("id", counter)
end

local pool, first, last
function init(args)
    local all = {}
    for line in io.lines(os.getenv("BENCH_REFRESH")) do
        if #line > 0 then all[#all + 1] = line end
    end
    local threads = tonumber(os.getenv("BENCH_WRK_THREADS") or "1")
    pool, first, last = {}, 1, 0
    for i = id or 1, #all, threads do
        last = last + 1
        pool[last] = all[i]
    end
end

function request()
    if first > last then -- every token is in flight or was lost to an error: nothing fresh left to send
        return wrk.format("POST", "/api/v1/auth/refresh", { ["Content-Type"] = "application/json" }, "{}")
    end
    local token = pool[first]
    pool[first] = nil
    first = first + 1
    return wrk.format("POST", "/api/v1/auth/refresh", { ["Content-Type"] = "application/json" },
                      '{"refresh_token":"' .. token .. '"}')
end

function response(status, headers, body)
    if status == 200 then
        local token = body:match('"refresh_token"%s*:%s*"([^"]+)"')
        if token then
            last = last + 1
            pool[last] = token
        end
    end
end
