#include "server/ratelimit/RedisRateLimiter.h"

#include "server/storage/RedisKeyValueStore.h"

#include <QRandomGenerator>

namespace authshield::server {

namespace {
// KEYS[1] = the log; ARGV = limit, window ms, unique member id, admissions wanted. Returns {allowed, remaining,
// reset ms, granted}: up to the wanted number of entries are added at once, never past the limit.
// Entries with score <= now - window have left the window; the set expires a window after the last admission.
const QByteArray slidingWindowScript = QByteArrayLiteral(
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "local limit = tonumber(ARGV[1])\n"
    "local window = tonumber(ARGV[2])\n"
    "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)\n"
    "local count = redis.call('ZCARD', KEYS[1])\n"
    "local wanted = tonumber(ARGV[4])\n"
    "local allowed = 0\n"
    "local granted = 0\n"
    "if count < limit then\n"
    "  granted = math.min(wanted, limit - count)\n"
    "  local args = {}\n"
    "  for i = 1, granted do\n"
    "    args[#args + 1] = now\n"
    "    args[#args + 1] = ARGV[3] .. ':' .. i\n"
    "  end\n"
    "  redis.call('ZADD', KEYS[1], unpack(args))\n"
    "  redis.call('PEXPIRE', KEYS[1], window)\n"
    "  count = count + granted\n"
    "  allowed = 1\n"
    "end\n"
    "local reset = window\n"
    "local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')\n"
    "if oldest[2] then reset = tonumber(oldest[2]) + window - now end\n"
    "local remaining = limit - count\n"
    "if remaining < 0 then remaining = 0 end\n"
    "return {allowed, remaining, reset, granted}\n");
} // namespace

RedisRateLimiter::RedisRateLimiter(RedisKeyValueStore& store)
    : m_store(store)
    , m_instanceTag(QByteArray::number(QRandomGenerator::system()->generate64(), 36))
{
}

Result<RateLimitDecision> RedisRateLimiter::hit(const QByteArray& key, const RateLimitRule& rule)
{
    Result<RateLimitReservation> reservation = reserve(key, rule, 1);
    if (!reservation)
        return reservation.error();
    return reservation->decision;
}

Result<RateLimitReservation> RedisRateLimiter::reserve(const QByteArray& key, const RateLimitRule& rule, int count)
{
    const qint64 windowMs = std::chrono::duration_cast<std::chrono::milliseconds>(rule.window).count();
    const QByteArray member = m_instanceTag + ':' + QByteArray::number(m_sequence.fetch_add(1));
    Result<RedisReply> reply = m_store.evalScript(
        slidingWindowScript, {QByteArrayLiteral("rl:") + key},
        {QByteArray::number(rule.count), QByteArray::number(windowMs), member, QByteArray::number(qMax(1, count))});
    if (!reply)
        return reply.error();
    if (reply->type != RedisReply::Type::Array || reply->elements.size() != 4) {
        return Error::make(ErrorCode::ServiceUnavailable,
                           QStringLiteral("unexpected redis reply from the rate-limit script: %1")
                               .arg(QString::fromUtf8(reply->string.left(200))));
    }
    RateLimitReservation reservation;
    reservation.decision.allowed = reply->elements.at(0).integer == 1;
    reservation.decision.limit = rule.count;
    reservation.decision.remaining = static_cast<int>(reply->elements.at(1).integer);
    reservation.decision.resetAfter = std::chrono::milliseconds(qMax<qint64>(0, reply->elements.at(2).integer));
    reservation.granted = static_cast<int>(reply->elements.at(3).integer);
    return reservation;
}

} // namespace authshield::server
