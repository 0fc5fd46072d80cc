-- S2 login flood: POST /api/v1/auth/login with the correct passwords of the seeded users ($BENCH_USERS:
-- "email<TAB>password" lines), round-robin.
local counter = 0
function setup(thread)
    counter = counter + 1
    thread:set("id", counter)
end

local bodies, index
function init(args)
    bodies = {}
    for line in io.lines(os.getenv("BENCH_USERS")) do
        local email, password = line:match("^([^\t]+)\t(.+)$")
        if email then
            bodies[#bodies + 1] = string.format('{"email":"%s","password":"%s"}', email, password)
        end
    end
    index = ((id or 1) * 499) % #bodies
end

function request()
    index = index % #bodies + 1
    return wrk.format("POST", "/api/v1/auth/login", { ["Content-Type"] = "application/json" }, bodies[index])
end

-- The refresh tokens issued here feed S3's second run ($BENCH_REFRESH_OUT-<thread>.txt), so no token is reused.
local out
function response(status, headers, body)
    if status ~= 200 then return end
    if out == nil then
        local prefix = os.getenv("BENCH_REFRESH_OUT")
        if prefix == nil then out = false; return end
        out = io.open(prefix .. "-" .. (id or 1) .. ".txt", "a")
        out:setvbuf("line")
    end
    if out then
        local token = body:match('"refresh_token"%s*:%s*"([^"]+)"')
        if token then out:write(token, "\n") end
    end
end
