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

namespace {
const QString kLeasedPolicy = u"global_ip"_s;
constexpr qsizetype kMaxLeases = 100000;
} // namespace

int RateLimitService::leaseSize(const RateLimitRule& rule)
{
    // A twentieth of the limit, so leases held unused by several instances cost a client little of it; small
    // limits stay exact (one admission per round trip).
    return qBound(1, rule.count / 20, 64);
}

qint64 RateLimitService::leaseLifetimeMs(const RateLimitRule& rule)
{
    const qint64 windowMs = std::chrono::duration_cast<std::chrono::milliseconds>(rule.window).count();
    return std::min<qint64>(windowMs / 10, 1000);
}

std::optional<RateLimitDecision> RateLimitService::takeLeased(const QByteArray& key, qint64 nowMs)
{
    QMutexLocker locker(&m_leaseMutex);
    const auto it = m_leases.find(key);
    if (it == m_leases.end())
        return std::nullopt;
    if (it->left <= 0 || nowMs >= it->expiresMs) {
        m_leases.erase(it);
        return std::nullopt;
    }
    --it->left;
    RateLimitDecision decision = it->decision;
    decision.remaining += it->left;
    return decision;
}

Result<RateLimitDecision> RateLimitService::reserveLease(const QByteArray& key, const RateLimitRule& rule,
                                                        qint64 nowMs)
{
    const int size = leaseSize(rule);
    Result<RateLimitReservation> reservation = m_primary->reserve(key, rule, size);
    if (!reservation)
        return reservation.error();
    if (reservation->granted > 1 && leaseLifetimeMs(rule) > 0) {
        QMutexLocker locker(&m_leaseMutex);
        // Expired leases are swept whenever the map has doubled since the last sweep, so it holds about the
        // clients of the last lease lifetime; past kMaxLeases it starts over (dropping a lease only wastes it).
        if (m_leases.size() >= m_nextLeaseSweep) {
            m_leases.removeIf([nowMs](const auto& entry) { return nowMs >= entry.value().expiresMs; });
            if (m_leases.size() >= kMaxLeases)
                m_leases.clear();
            m_nextLeaseSweep = qMax<qsizetype>(1024, 2 * m_leases.size());
        }
        Lease& lease = m_leases[key];
        lease.left = reservation->granted - 1;
        lease.expiresMs = nowMs + leaseLifetimeMs(rule);
        lease.decision = reservation->decision;
    }
    return reservation->decision;
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
        const bool leased = m_fallback && policy == kLeasedPolicy;
        std::optional<RateLimitDecision> local;
        if (leased && !m_degraded.load())
            local = takeLeased(key, nowMs);
        if (local)
            decision = *local;
        else
            decision = leased ? reserveLease(key, *rule, nowMs) : m_primary->hit(key, *rule);
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
