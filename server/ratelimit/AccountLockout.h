#pragma once

#include "server/audit/AuditEvent.h"
#include "shared/Result.h"

#include <QDateTime>
#include <QString>

namespace authshield::server {

class AuditLog;
class Clock;
class CounterFamily;
class KeyValueStore;
class LockoutNotifier;
class SecuritySettings;
class UserRepository;

// What the login flow may do with one attempt.
struct LockoutTicket
{
    QString email; // normalised, as submitted (the account need not exist)
    bool locked = false; // answer exactly like a wrong password, without counting a failure
    qint64 attempt = 0; // this attempt's number in the current window
};

// Locks an account (keyed by the normalised submitted email, whether or not it exists) after maxFailures failed
// logins within the window. Every attempt takes a numbered ticket from ONE atomic increment before the password
// is checked, so parallel guesses cannot overshoot: attempts past the limit are refused as locked, and the
// attempt that fails with number == maxFailures sets the lock. A success clears the count. Each further lockout
// within a day doubles the duration (if escalate), up to maxDuration. Counters live in the KeyValueStore (Redis
// shared by all instances, or in-process). Errors of the store are returned (the flow answers 503).
class AccountLockout
{
public:
    AccountLockout(KeyValueStore& store, const SecuritySettings& settings, const AuditLog& auditLog,
                   const Clock& clock);

    void setNotifier(LockoutNotifier* notifier) { m_notifier = notifier; }
    void setLockoutCounter(CounterFamily* counter) { m_lockouts = counter; }

    // Call before verifying the password.
    Result<LockoutTicket> begin(const QString& normalisedEmail);
    // The password was wrong (or the account unknown). userId empty when no such account exists.
    Result<void> recordFailure(const LockoutTicket& ticket, const QString& userId, const RequestOrigin& origin);
    // The password was right: the failure count starts over.
    Result<void> recordSuccess(const LockoutTicket& ticket);

    Result<bool> isLocked(const QString& normalisedEmail);
    // Remaining lock time, 0 when not locked.
    Result<std::chrono::milliseconds> lockedFor(const QString& normalisedEmail);

    // Admin operation: lifts a lockout and forgets the failures and the escalation level. Audited as
    // auth.unlock (also when nothing was locked, so the action is on record).
    Result<bool> unlock(const QString& normalisedEmail, const QString& userId, const QString& actorId,
                        const RequestOrigin& origin, const QString& eventType = QStringLiteral("auth.unlock"));
    // The same by user id.
    // The admin API records it as admin.user.unlocked (eventType).
    Result<bool> unlockUser(const UserRepository& users, const QString& userId, const QString& actorId,
                            const RequestOrigin& origin, const QString& eventType = QStringLiteral("auth.unlock"));

    static QByteArray failuresKey(const QString& normalisedEmail);
    static QByteArray lockKey(const QString& normalisedEmail);
    static QByteArray levelKey(const QString& normalisedEmail);

private:
    KeyValueStore& m_store;
    const SecuritySettings& m_settings;
    const AuditLog& m_auditLog;
    const Clock& m_clock;
    LockoutNotifier* m_notifier = nullptr;
    CounterFamily* m_lockouts = nullptr;
};

} // namespace authshield::server
