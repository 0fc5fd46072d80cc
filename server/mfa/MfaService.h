#pragma once

#include "server/audit/AuditEvent.h"
#include "server/crypto/Random.h"
#include "server/crypto/SecretBox.h"
#include "server/mfa/RecoveryCodes.h"
#include "server/mfa/TotpEnrolment.h"
#include "shared/Result.h"

#include <QStringList>

#include <functional>
#include <optional>

namespace authshield::server {

class AuditLog;
class Clock;
class CounterFamily;
class Database;
class MailOutbox;
class MfaRepository;
class PasswordHasher;
class UserRepository;

// TOTP enrolment, the second-factor check, disabling, recovery codes and the admin reset. Secrets are sealed
// with the SecretBox under associated data "mfa.totp:<user id>", so a sealed secret cannot be moved to another
// user. Codes are accepted one step either side of now, and never twice (the last accepted step is stored
// atomically per user). Methods taking a password run Argon2: call them on the slow pool.
class MfaService
{
public:
    using SessionRevoker = std::function<Result<int>(const QString& userId, const QString& reason,
                                                     const RequestOrigin& origin)>;

    MfaService(const Database& database, const Clock& clock, const MfaRepository& repository, SecretBox box,
               RecoveryCodes recoveryCodes, const PasswordHasher& hasher, const UserRepository& users,
               const AuditLog& audit, const MailOutbox& outbox, QString issuer);

    void setEventCounter(CounterFamily* events) { m_events = events; }
    void setSessionRevoker(SessionRevoker revoker) { m_revokeSessions = std::move(revoker); }
    void setRandom(Random* random) { m_random = random; }

    // Starts (or restarts) an enrolment after checking the password; Conflict when TOTP is already on.
    Result<TotpEnrolment> beginEnrolment(const QString& userId, const QByteArray& password,
                                         const RequestOrigin& origin);
    // The same for a login that proved the password already (enrolment required by role).
    Result<TotpEnrolment> beginEnrolmentAfterLogin(const QString& userId);
    // Activates the pending enrolment with its first code → the recovery codes (shown once).
    Result<QStringList> confirmEnrolment(const QString& userId, const QString& code, const RequestOrigin& origin);
    Result<void> disable(const QString& userId, const QByteArray& password, const SecondFactor& factor,
                         const RequestOrigin& origin);
    Result<QStringList> regenerateRecoveryCodes(const QString& userId, const QByteArray& password,
                                                const QString& code, const RequestOrigin& origin);
    Result<MfaStatus> status(const QString& userId) const;

    // The login's second step: "totp" or "recovery_code" when the factor is right (audited auth.mfa.succeeded),
    // nullopt when wrong (audited auth.mfa.failed with the reason).
    Result<std::optional<QString>> verify(const QString& userId, const SecondFactor& factor,
                                          const RequestOrigin& origin);
    // Audits and counts a refusal decided before the factor was looked at (locked account, spent token).
    void recordFailure(const QString& userId, const QString& reason, const RequestOrigin& origin);

    // Admin: removes the authenticator and the recovery codes, mails the user, signs them out everywhere,
    // audits admin.mfa.reset — in one transaction. NotFound for an unknown user.
    Result<void> adminReset(const QString& userId, const QString& actorId, const RequestOrigin& origin);

    void count(const QString& event) const;

private:
    Result<TotpEnrolment> startEnrolment(const QString& userId, const QString& account);
    Result<void> checkPassword(const QString& userId, const QByteArray& password) const;
    // The factor's verdict without auditing: method, or nullopt with the reason in *reason.
    Result<std::optional<QString>> check(const QString& userId, const SecondFactor& factor, QString* reason);
    Result<std::optional<qint64>> checkCode(const QString& userId, const QString& code, bool pending) const;
    Result<QStringList> storeNewRecoveryCodes(const QString& userId);
    Result<void> audit(const QString& type, const QString& actorId, const QString& subjectId,
                       const RequestOrigin& origin, bool ok, const QJsonObject& details = {}) const;
    QByteArray associatedData(const QString& userId) const;

    const Database& m_database;
    const Clock& m_clock;
    const MfaRepository& m_repository;
    const SecretBox m_box;
    const RecoveryCodes m_recoveryCodes;
    const PasswordHasher& m_hasher;
    const UserRepository& m_users;
    const AuditLog& m_audit;
    const MailOutbox& m_outbox;
    const QString m_issuer;
    SystemRandom m_systemRandom;
    Random* m_random = &m_systemRandom;
    CounterFamily* m_events = nullptr;
    SessionRevoker m_revokeSessions;
};

} // namespace authshield::server
