#include "server/ratelimit/RateLimitService.h"

#include "server/core/Clock.h"
#include "server/core/Log.h"
#include "server/core/Metrics.h"
#include "server/crypto/Sha256.h"
#include "server/ratelimit/SecuritySettings.h"
#include "server/storage/KeyValueStore.h"

namespace authshield::server {

using namespace Qt::Literals::StringLiterals;

RateLimitService::RateLimitService(SecuritySettings& settings, std::unique_ptr<RateLimiter> primary,
                                   std::unique_ptr<RateLimiter> fallback, bool failOpen, const Clock& clock,
                                   KeyValueStore* sharedStore)
    : m_settings(settings)
    , m_primary(std::move(primary))
    , m_fallback(std::move(fallback))
    , m_failOpen(failOpen)
    , m_clock(clock)
    , m_sharedStore(sharedStore)
{
}

RateLimitService::~RateLimitService() = default;

QString RateLimitService::accountSubject(const QString& normalisedEmail)
{
    return QString::fromLatin1(Sha256::hash("account:" + normalisedEmail.toUtf8()).toHex().left(32));
}

void RateLimitService::markDegraded(const QString& reason)
{
    QMutexLocker locker(&m_transitionMutex);
    if (m_degraded.exchange(true))
        return;
    Log::warning(u"ratelimit"_s,
                 m_failOpen ? u"shared rate limiter unavailable: falling back to per-process limits"_s
                            : u"shared rate limiter unavailable: rate-limited requests answer 503"_s,
                 {{u"error"_s, reason}, {u"redis_failure"_s, m_failOpen ? u"open"_s : u"closed"_s}});
}

void RateLimitService::markHealthy()
{
    QMutexLocker locker(&m_transitionMutex);
    if (!m_degraded.exchange(false))
        return;
    Log::info(u"ratelimit"_s, u"shared rate limiter available again: limits hold across instances"_s);
}

Result<RateLimitOutcome> RateLimitService::hit(const QString& policy, const QString& subject)
{
    const std::shared_ptr<const SecurityPolicy> current = m_settings.current();
    const std::optional<RateLimitRule> rule = current->rule(policy);
    if (!rule)
        return Error::make(ErrorCode::Internal, u"unknown rate-limit policy %1"_s.arg(policy));
    const QByteArray key = policy.toUtf8() + ':' + subject.toUtf8();

    RateLimitOutcome outcome;
    outcome.policy = policy;
    const qint64 nowMs = m_clock.now().toMSecsSinceEpoch();
    const bool tryPrimary = !m_fallback || !m_degraded.load() || nowMs >= m_nextProbeMs.load();
    Result<RateLimitDecision> decision = Error::make(ErrorCode::ServiceUnavailable, u"shared rate limiter down"_s);
    if (tryPrimary) {
        if (m_degraded.load())
            m_nextProbeMs.store(nowMs + m_probeIntervalMs);
        decision = m_primary->hit(key, *rule);
        if (decision) {
            if (m_fallback)
                markHealthy();
        } else if (m_fallback) {
            m_nextProbeMs.store(nowMs + m_probeIntervalMs);
            markDegraded(decision.error().message);
        } else {
            return decision.error();
        }
    }
    if (!decision) {
        if (!m_failOpen)
            return Error::make(ErrorCode::ServiceUnavailable,
                               u"rate limiting is unavailable; try again shortly"_s);
        decision = m_fallback->hit(key, *rule);
        if (!decision)
            return decision.error();
    }
    outcome.decision = *decision;
    if (!outcome.decision.allowed && m_rejections)
        m_rejections->labels({policy}).increment();
    return outcome;
}

DependencyStatus RateLimitService::status()
{
    DependencyStatus status;
    status.up = true;
    status.backend = m_primary->backendName();
    if (!m_sharedStore || !m_fallback)
        return status;
    const Result<std::chrono::microseconds> ping = m_sharedStore->ping();
    if (ping) {
        status.latency = *ping;
        markHealthy();
        return status;
    }
    markDegraded(ping.error().message);
    if (m_failOpen) {
        status.backend = m_fallback->backendName();
        status.detail = u"degraded: local limits"_s;
    } else {
        status.up = false;
        status.detail = u"redis unavailable: rate-limited routes answer 503"_s;
    }
    return status;
}

} // namespace authshield::server
