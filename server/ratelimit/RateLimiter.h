#pragma once

#include "server/core/Config.h"
#include "shared/Result.h"

#include <QByteArray>
#include <QString>

#include <chrono>

namespace authshield::server {

// The answer to one request against one rule.
struct RateLimitDecision
{
    bool allowed = true;
    int limit = 0;
    int remaining = 0; // requests still admitted in the current window (after this one)
    // Until the oldest admitted request leaves the window, i.e. until one more request is admitted again.
    std::chrono::milliseconds resetAfter{0};
};

// Several admissions reserved at once (all recorded now); granted is 0 when the rule admits none.
struct RateLimitReservation
{
    int granted = 0;
    RateLimitDecision decision; // as for a single hit; remaining counts after the granted ones
};

// A sliding-window log: a request is admitted when fewer than rule.count requests were admitted for the key
// in the last rule.window. Only admitted requests are recorded, so a client that keeps hammering gets back in
// as soon as its old requests age out, and rejected requests cost no memory. The count is exact (no
// approximation error); memory is at most rule.count timestamps per key.
// Thread-safe. Failures of a shared backend are Error{ServiceUnavailable}.
class RateLimiter
{
public:
    virtual ~RateLimiter() = default;
    virtual QString backendName() const = 0;
    // key identifies policy and subject, e.g. "login_ip:203.0.113.7"
    virtual Result<RateLimitDecision> hit(const QByteArray& key, const RateLimitRule& rule) = 0;
    // Up to count admissions in one step (a shared backend: one round trip). Default: a single hit.
    virtual Result<RateLimitReservation> reserve(const QByteArray& key, const RateLimitRule& rule, int count)
    {
        Q_UNUSED(count);
        Result<RateLimitDecision> decision = hit(key, rule);
        if (!decision)
            return decision.error();
        return RateLimitReservation { decision->allowed ? 1 : 0, *decision };
    }
};

} // namespace authshield::server
