#include "server/ratelimit/AccountLockout.h"

#include "server/accounts/UserRepository.h"
#include "server/audit/AuditLog.h"
#include "server/core/Clock.h"
#include "server/core/Log.h"
#include "server/core/Metrics.h"
#include "server/ratelimit/LockoutNotifier.h"
#include "server/ratelimit/RateLimitService.h"
#include "server/ratelimit/SecuritySettings.h"
#include "server/storage/KeyValueStore.h"

#include <algorithm>

namespace authshield::server {

using namespace Qt::Literals::StringLiterals;
using std::chrono::milliseconds;

namespace {
constexpr milliseconds kEscalationMemory = std::chrono::hours(24);
}

AccountLockout::AccountLockout(KeyValueStore& store, const SecuritySettings& settings, const AuditLog& auditLog,
                               const Clock& clock)
    : m_store(store)
    , m_settings(settings)
    , m_auditLog(auditLog)
    , m_clock(clock)
{
}

QByteArray AccountLockout::failuresKey(const QString& normalisedEmail)
{
    return "lockout:failures:" + RateLimitService::accountSubject(normalisedEmail).toLatin1();
}

QByteArray AccountLockout::lockKey(const QString& normalisedEmail)
{
    return "lockout:locked:" + RateLimitService::accountSubject(normalisedEmail).toLatin1();
}

QByteArray AccountLockout::levelKey(const QString& normalisedEmail)
{
    return "lockout:level:" + RateLimitService::accountSubject(normalisedEmail).toLatin1();
}

Result<bool> AccountLockout::isLocked(const QString& normalisedEmail)
{
    Result<std::optional<QByteArray>> lock = m_store.get(lockKey(normalisedEmail));
    if (!lock)
        return lock.error();
    return lock->has_value();
}

Result<milliseconds> AccountLockout::lockedFor(const QString& normalisedEmail)
{
    Result<milliseconds> ttl = m_store.ttl(lockKey(normalisedEmail));
    if (!ttl)
        return ttl.error();
    return std::max(milliseconds(0), *ttl);
}

Result<LockoutTicket> AccountLockout::begin(const QString& normalisedEmail)
{
    LockoutTicket ticket;
    ticket.email = normalisedEmail;
    Result<bool> locked = isLocked(normalisedEmail);
    if (!locked)
        return locked.error();
    if (*locked) {
        ticket.locked = true;
        return ticket;
    }
    const LockoutPolicy policy = m_settings.current()->lockout;
    Result<qint64> attempt = m_store.increment(failuresKey(normalisedEmail), 1, policy.window);
    if (!attempt)
        return attempt.error();
    ticket.attempt = *attempt;
    // Beyond the limit while the attempt that reached it is still being checked: refuse like a lock.
    ticket.locked = *attempt > policy.maxFailures;
    return ticket;
}

Result<void> AccountLockout::recordSuccess(const LockoutTicket& ticket)
{
    Result<bool> removed = m_store.remove(failuresKey(ticket.email));
    if (!removed)
        return removed.error();
    return success();
}

Result<void> AccountLockout::recordFailure(const LockoutTicket& ticket, const QString& userId,
                                           const RequestOrigin& origin)
{
    const LockoutPolicy policy = m_settings.current()->lockout;
    if (ticket.locked || ticket.attempt != policy.maxFailures)
        return success();

    Result<qint64> level = m_store.increment(levelKey(ticket.email), 1, kEscalationMemory);
    if (!level)
        return level.error();
    milliseconds duration = policy.duration;
    if (policy.escalate) {
        const qint64 doublings = std::min<qint64>(*level - 1, 30);
        duration = std::min<milliseconds>(policy.duration * (qint64(1) << doublings), policy.maxDuration);
    }
    // Set the lock before forgetting the failures, so there is no moment without either.
    if (Result<void> set = m_store.set(lockKey(ticket.email), QByteArray::number(*level), duration); !set)
        return set.error();
    if (Result<bool> removed = m_store.remove(failuresKey(ticket.email)); !removed)
        return removed.error();

    const QDateTime until = m_clock.now().addMSecs(duration.count());
    AuditEvent event;
    event.type = u"auth.lockout"_s;
    event.subjectId = userId;
    event.ip = origin.ip;
    event.userAgent = origin.userAgent;
    event.requestId = origin.requestId;
    event.details = QJsonObject{{u"failures"_s, policy.maxFailures},
                                {u"duration_seconds"_s, static_cast<qint64>(duration.count() / 1000)},
                                {u"level"_s, *level},
                                {u"account_key"_s, RateLimitService::accountSubject(ticket.email)},
                                {u"known_account"_s, !userId.isEmpty()}};
    if (Result<qint64> recorded = m_auditLog.record(event); !recorded)
        Log::error(u"audit"_s, u"could not record a lockout"_s, {{u"error"_s, recorded.error().message}});
    if (m_lockouts)
        m_lockouts->only().increment();
    if (m_notifier && !userId.isEmpty())
        m_notifier->accountLocked(userId, ticket.email, until);
    return success();
}

Result<bool> AccountLockout::unlock(const QString& normalisedEmail, const QString& userId, const QString& actorId,
                                    const RequestOrigin& origin, const QString& eventType)
{
    Result<bool> wasLocked = m_store.remove(lockKey(normalisedEmail));
    if (!wasLocked)
        return wasLocked.error();
    if (Result<bool> removed = m_store.remove(failuresKey(normalisedEmail)); !removed)
        return removed.error();
    if (Result<bool> removed = m_store.remove(levelKey(normalisedEmail)); !removed)
        return removed.error();
    AuditEvent event;
    event.type = eventType;
    event.actorId = actorId;
    event.subjectId = userId;
    event.ip = origin.ip;
    event.userAgent = origin.userAgent;
    event.requestId = origin.requestId;
    event.details = QJsonObject{{u"was_locked"_s, *wasLocked},
                                {u"account_key"_s, RateLimitService::accountSubject(normalisedEmail)}};
    if (Result<qint64> recorded = m_auditLog.record(event); !recorded)
        return recorded.error();
    return *wasLocked;
}

Result<bool> AccountLockout::unlockUser(const UserRepository& users, const QString& userId, const QString& actorId,
                                        const RequestOrigin& origin, const QString& eventType)
{
    Result<std::optional<User>> user = users.findById(userId);
    if (!user)
        return user.error();
    if (!user->has_value())
        return Error::make(ErrorCode::NotFound, u"no such user"_s);
    return unlock((*user)->email, userId, actorId, origin, eventType);
}

} // namespace authshield::server
