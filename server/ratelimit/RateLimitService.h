#pragma once

#include "server/core/Readiness.h"
#include "server/ratelimit/RateLimiter.h"

#include <QByteArray>
#include <QHash>
#include <QMutex>
#include <QString>

#include <atomic>
#include <memory>
#include <optional>

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
//
// global_ip (every /api/ request) takes leases from the shared limiter instead of one round trip per request:
// one reservation records up to leaseSize(rule) admissions in Redis at once (never past the limit), and this
// instance admits that many locally for at most leaseLifetime(rule). Every admission therefore has its own entry
// in the shared log, stamped at most the lease lifetime before it: across all instances a client gets at most
// `count` requests in any interval of `window - lease lifetime`. Unused leased admissions expire unused (the
// limit only gets stricter). Other policies stay one exact round trip per request.
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
    struct Lease
    {
        int left = 0;
        qint64 expiresMs = 0;
        RateLimitDecision decision; // the shared limiter's answer when the lease was taken
    };
    static int leaseSize(const RateLimitRule& rule);
    static qint64 leaseLifetimeMs(const RateLimitRule& rule);
    std::optional<RateLimitDecision> takeLeased(const QByteArray& key, qint64 nowMs);
    Result<RateLimitDecision> reserveLease(const QByteArray& key, const RateLimitRule& rule, qint64 nowMs);

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
    QMutex m_leaseMutex;
    QHash<QByteArray, Lease> m_leases;
    qsizetype m_nextLeaseSweep = 1024;
};

} // namespace authshield::server
