#include "server/ratelimit/InProcessRateLimiter.h"

#include "server/core/Clock.h"

#include <algorithm>
#include <vector>

namespace authshield::server {

InProcessRateLimiter::InProcessRateLimiter(const Clock& clock, qsizetype maxKeys)
    : m_clock(clock)
    , m_maxKeysPerShard(std::max<qsizetype>(1, maxKeys / kShards))
{
}

qsizetype InProcessRateLimiter::keyCount() const
{
    qsizetype total = 0;
    for (const Shard& shard : m_shards) {
        QMutexLocker locker(&shard.mutex);
        total += shard.logs.size();
    }
    return total;
}

void InProcessRateLimiter::purge(Shard& shard, qint64 nowMs) const
{
    for (auto it = shard.logs.begin(); it != shard.logs.end();) {
        if (it->admitted.empty() || it->admitted.back() <= nowMs - it->windowMs)
            it = shard.logs.erase(it);
        else
            ++it;
    }
    if (shard.logs.size() >= m_maxKeysPerShard) {
        std::vector<std::pair<qint64, QByteArray>> byIdle;
        byIdle.reserve(static_cast<size_t>(shard.logs.size()));
        for (auto it = shard.logs.cbegin(); it != shard.logs.cend(); ++it)
            byIdle.emplace_back(it->lastHitMs, it.key());
        const auto excess = static_cast<size_t>(shard.logs.size() - m_maxKeysPerShard * 3 / 4);
        std::nth_element(byIdle.begin(), byIdle.begin() + static_cast<std::ptrdiff_t>(excess), byIdle.end());
        for (size_t i = 0; i < excess; ++i)
            shard.logs.remove(byIdle[i].second);
    }
    // Sweeping is O(keys), so do it again only after the shard doubled from what survived.
    shard.purgeAt = std::max<qsizetype>(1024, shard.logs.size() * 2);
}

Result<RateLimitDecision> InProcessRateLimiter::hit(const QByteArray& key, const RateLimitRule& rule)
{
    const qint64 nowMs = m_clock.now().toMSecsSinceEpoch();
    const qint64 windowMs = std::chrono::duration_cast<std::chrono::milliseconds>(rule.window).count();
    Shard& shard = m_shards[qHash(key) % kShards];
    QMutexLocker locker(&shard.mutex);
    if (shard.logs.size() >= shard.purgeAt || shard.logs.size() >= m_maxKeysPerShard)
        purge(shard, nowMs);

    Log& log = shard.logs[key];
    log.windowMs = windowMs;
    log.lastHitMs = nowMs;
    while (!log.admitted.empty() && log.admitted.front() <= nowMs - windowMs)
        log.admitted.pop_front();

    RateLimitDecision decision;
    decision.limit = rule.count;
    if (static_cast<qsizetype>(log.admitted.size()) < rule.count) {
        log.admitted.push_back(nowMs);
        decision.allowed = true;
        decision.remaining = rule.count - static_cast<int>(log.admitted.size());
    } else {
        decision.allowed = false;
        decision.remaining = 0;
    }
    // A zero count admits nothing and records nothing: the reset is a whole window away.
    const qint64 oldest = log.admitted.empty() ? nowMs : log.admitted.front();
    decision.resetAfter = std::chrono::milliseconds(std::max<qint64>(0, oldest + windowMs - nowMs));
    return decision;
}

} // namespace authshield::server
