#pragma once

#include "server/ratelimit/RateLimiter.h"

#include <QHash>
#include <QMutex>

#include <array>
#include <deque>

namespace authshield::server {

class Clock;

// The sliding-window log in this process (embedded default, and the fall-back while Redis is down).
// Keys are spread over shards, each with its own mutex, so worker threads rarely contend. Memory is bounded:
// a shard drops keys whose whole log has aged out once it grows past a threshold, and when live keys still
// exceed maxKeys it drops the keys idle longest (a flood of distinct addresses can then reset some windows
// early — the price of a fixed memory ceiling).
class InProcessRateLimiter final : public RateLimiter
{
public:
    explicit InProcessRateLimiter(const Clock& clock, qsizetype maxKeys = 200000);

    QString backendName() const override { return QStringLiteral("in-process"); }
    Result<RateLimitDecision> hit(const QByteArray& key, const RateLimitRule& rule) override;

    qsizetype keyCount() const; // for tests

private:
    struct Log
    {
        std::deque<qint64> admitted; // ms, oldest first
        qint64 windowMs = 0;
        qint64 lastHitMs = 0;
    };
    struct Shard
    {
        mutable QMutex mutex;
        QHash<QByteArray, Log> logs;
        qsizetype purgeAt = 1024;
    };
    static constexpr int kShards = 16;

    void purge(Shard& shard, qint64 nowMs) const; // requires shard.mutex

    const Clock& m_clock;
    const qsizetype m_maxKeysPerShard;
    std::array<Shard, kShards> m_shards;
};

} // namespace authshield::server
