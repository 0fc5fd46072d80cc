#include "server/ratelimit/RedisRateLimiter.h"

#include "server/storage/RedisKeyValueStore.h"

#include <QRandomGenerator>

namespace authshield::server {

namespace {
// KEYS[1] = the log; ARGV = limit, window ms, unique member id. Returns {allowed, remaining, reset ms}.
// Entries with score <= now - window have left the window; the set expires a window after the last admission.
const QByteArray slidingWindowScript = QByteArrayLiteral(
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "local limit = tonumber(ARGV[1])\n"
    "local window = tonumber(ARGV[2])\n"
    "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)\n"
    "local count = redis.call('ZCARD', KEYS[1])\n"
    "local allowed = 0\n"
    "if count < limit then\n"
    "  redis.call('ZADD', KEYS[1], now, ARGV[3])\n"
    "  redis.call('PEXPIRE', KEYS[1], window)\n"
    "  count = count + 1\n"
    "  allowed = 1\n"
    "end\n"
    "local reset = window\n"
    "local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')\n"
    "if oldest[2] then reset = tonumber(oldest[2]) + window - now end\n"
    "local remaining = limit - count\n"
    "if remaining < 0 then remaining = 0 end\n"
    "return {allowed, remaining, reset}\n");
} // namespace

RedisRateLimiter::RedisRateLimiter(RedisKeyValueStore& store)
    : m_store(store)
    , m_instanceTag(QByteArray::number(QRandomGenerator::system()->generate64(), 36))
{
}

Result<RateLimitDecision> RedisRateLimiter::hit(const QByteArray& key, const RateLimitRule& rule)
{
    const qint64 windowMs = std::chrono::duration_cast<std::chrono::milliseconds>(rule.window).count();
    const QByteArray member = m_instanceTag + ':' + QByteArray::number(m_sequence.fetch_add(1));
    Result<RedisReply> reply = m_store.evalScript(
        slidingWindowScript, {QByteArrayLiteral("rl:") + key},
        {QByteArray::number(rule.count), QByteArray::number(windowMs), member});
    if (!reply)
        return reply.error();
    if (reply->type != RedisReply::Type::Array || reply->elements.size() != 3) {
        return Error::make(ErrorCode::ServiceUnavailable,
                           QStringLiteral("unexpected redis reply from the rate-limit script: %1")
                               .arg(QString::fromUtf8(reply->string.left(200))));
    }
    RateLimitDecision decision;
    decision.allowed = reply->elements.at(0).integer == 1;
    decision.limit = rule.count;
    decision.remaining = static_cast<int>(reply->elements.at(1).integer);
    decision.resetAfter = std::chrono::milliseconds(qMax<qint64>(0, reply->elements.at(2).integer));
    return decision;
}

} // namespace authshield::server
