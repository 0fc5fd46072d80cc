#pragma once

#include "server/core/Readiness.h"
#include "server/ratelimit/RateLimiter.h"

#include <QMutex>
#include <QString>

#include <atomic>
#include <memory>

namespace authshield::server {

class Clock;
class CounterFamily;
class KeyValueStore;
class SecuritySettings;

struct RateLimitOutcome
{
    QString policy;
    RateLimitDecision decision;
};

// Applies the live policies by name. The shared limiter (Redis) is the source of truth; when it fails the
// configured failure mode decides: fail open → this process's own limiter takes over (limits then hold per
// instance, not in total), fail closed → Error{ServiceUnavailable}. While Redis is down it is retried at most
// once per probe interval, so an outage does not add a connect timeout to every request. Each change between
// healthy and degraded is logged once.
class RateLimitService
{
public:
    // fallback may be null only when primary is itself in-process.
    RateLimitService(SecuritySettings& settings, std::unique_ptr<RateLimiter> primary,
                     std::unique_ptr<RateLimiter> fallback, bool failOpen, const Clock& clock,
                     KeyValueStore* sharedStore = nullptr);
    ~RateLimitService();

    // Counts one request of subject against policy. Unknown policy: Error{Internal} (a route declared a typo).
    Result<RateLimitOutcome> hit(const QString& policy, const QString& subject);

    // Subject for per-account policies: a digest of the normalised email, so Redis never holds addresses.
    static QString accountSubject(const QString& normalisedEmail);

    bool isDegraded() const { return m_degraded.load(); }
    bool failsOpen() const { return m_failOpen; }
    // For /ready ("ratelimit"): pings the shared store, so an outage shows even without traffic.
    DependencyStatus status();

    void setRejectionCounter(CounterFamily* counter) { m_rejections = counter; }
    void setProbeInterval(std::chrono::milliseconds interval) { m_probeIntervalMs = interval.count(); }

private:
    void markDegraded(const QString& reason);
    void markHealthy();

    SecuritySettings& m_settings;
    const std::unique_ptr<RateLimiter> m_primary;
    const std::unique_ptr<RateLimiter> m_fallback;
    const bool m_failOpen;
    const Clock& m_clock;
    KeyValueStore* const m_sharedStore;
    CounterFamily* m_rejections = nullptr;
    std::atomic<bool> m_degraded{false};
    std::atomic<qint64> m_nextProbeMs{0};
    qint64 m_probeIntervalMs = 1000;
    QMutex m_transitionMutex;
};

} // namespace authshield::server
