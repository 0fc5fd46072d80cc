#pragma once

#include "server/ratelimit/RateLimiter.h"

#include <atomic>

namespace authshield::server {

class RedisKeyValueStore;

// The sliding-window log in Redis, shared by every instance: one sorted set per key (score = admission time),
// trimmed, counted and appended by ONE Lua script, so concurrent callers on any number of instances can never
// admit more than the limit together. The script takes the time from Redis itself (TIME), so the instances'
// clocks do not matter; the count is exact to the millisecond.
class RedisRateLimiter final : public RateLimiter
{
public:
    explicit RedisRateLimiter(RedisKeyValueStore& store);

    QString backendName() const override { return QStringLiteral("redis"); }
    Result<RateLimitDecision> hit(const QByteArray& key, const RateLimitRule& rule) override;
    Result<RateLimitReservation> reserve(const QByteArray& key, const RateLimitRule& rule, int count) override;

private:
    RedisKeyValueStore& m_store;
    const QByteArray m_instanceTag; // makes sorted-set members unique across instances
    std::atomic<quint64> m_sequence{0};
};

} // namespace authshield::server
