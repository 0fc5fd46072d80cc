-- S4 hostile traffic: wrong passwords, half for one seeded account (it locks), half for random addresses
-- (mostly unknown: dummy verification), each from a random client address in X-Forwarded-For (the bench trusts
-- 127.0.0.1 as a proxy) so every request creates fresh per-IP limiter state.
local counter = 0
function setup(thread)
    counter = counter + 1
    thread:set("id", counter)
end

function init(args)
    math.randomseed(os.time() + (id or 1) * 7919)
end

local n = 0
function request()
    n = n + 1
    local email
    if n % 2 == 0 then
        email = "bench0@bench.test"
    else
        email = string.format("bench%d@bench.test", math.random(0, 99999))
    end
    local ip = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254))
    local body = string.format('{"email":"%s","password":"wrong-password-%d"}', email, math.random(1, 1000000))
    return wrk.format("POST", "/api/v1/auth/login",
                      { ["Content-Type"] = "application/json", ["X-Forwarded-For"] = ip }, body)
end
