#include "server/accounts/LoginService.h"

#include "server/accounts/EmailAddress.h"
#include "server/accounts/UserRepository.h"
#include "server/audit/AuditLog.h"
#include "server/core/Log.h"
#include "server/core/Metrics.h"
#include "server/ratelimit/AccountLockout.h"
#include "server/crypto/PasswordHasher.h"

namespace authshield::server {

LoginService::LoginService(const UserRepository& users, const PasswordHasher& hasher, const AuditLog& audit,
                           TokenService& tokens, const PasswordConfig& passwords)
    : m_users(users)
    , m_hasher(hasher)
    , m_audit(audit)
    , m_tokens(tokens)
    , m_passwords(passwords)
{
}

void LoginService::count(const QString& outcome, const QString& reason)
{
    if (m_outcomes)
        m_outcomes->labels({outcome, reason}).increment();
}

Error LoginService::refuse(const QString& reason, const QString& email, const QString& userId,
                           const RequestOrigin& origin, const LockoutTicket* ticket)
{
    count(QStringLiteral("failure"), reason);
    if (m_lockout && ticket) {
        if (Result<void> counted = m_lockout->recordFailure(*ticket, userId, origin); !counted)
            Log::error(QStringLiteral("login"), QStringLiteral("failed login not counted for lockout"),
                       {{QStringLiteral("error"), counted.error().message}});
    }
    AuditEvent event{QStringLiteral("auth.login.failed"), QString(), userId, origin.ip, origin.userAgent,
                     origin.requestId, QStringLiteral("failure"),
                     QJsonObject{{QStringLiteral("reason"), reason}, {QStringLiteral("email"), email}}};
    if (Result<qint64> recorded = m_audit.record(event); !recorded)
        Log::error(QStringLiteral("login"), QStringLiteral("failed login not audited"),
                   { { QStringLiteral("error"), recorded.error().message } });
    return Error::make(ErrorCode::InvalidCredentials, QStringLiteral("The email or password is incorrect."));
}

Result<TokenPair> LoginService::login(const QString& email, const QByteArray& password, const RequestOrigin& origin)
{
    Result<LoginOutcome> outcome = signIn(email, password, origin);
    if (!outcome)
        return outcome.error();
    if (!outcome->tokens)
        return Error::make(ErrorCode::Forbidden, QStringLiteral("A second factor is required."));
    return *outcome->tokens;
}

Result<LoginOutcome> LoginService::signIn(const QString& email, const QByteArray& password,
                                          const RequestOrigin& origin)
{
    Result<QString> normalised = EmailAddress::normalise(email);
    // An implausible address cannot belong to an account: same answer, same cost as an unknown one.
    const QString key = normalised ? *normalised : email.trimmed().toLower().left(EmailAddress::kMaxLength);
    std::optional<LockoutTicket> ticket;
    if (m_lockout) {
        Result<LockoutTicket> taken = m_lockout->begin(key);
        if (!taken)
            return taken.error();
        ticket = *taken;
    }
    const LockoutTicket* counted = ticket ? &*ticket : nullptr;
    if (password.size() > m_passwords.maxBytes) {
        // Never hash unbounded input; a truncated dummy costs what a real verification does.
        m_hasher.dummyVerify(password.left(m_passwords.maxBytes));
        return refuse(QStringLiteral("password_too_long"), key, {}, origin, counted);
    }
    std::optional<User> user;
    if (normalised) {
        Result<std::optional<User>> found = m_users.findByEmail(*normalised);
        if (!found)
            return found.error();
        user = *found;
    }
    if (ticket && ticket->locked) {
        // The same cost and answer as a wrong password, whether or not this one is right.
        m_hasher.dummyVerify(password);
        return refuse(QStringLiteral("locked"), key, user ? user->id : QString(), origin);
    }
    if (!user || user->passwordHash.isEmpty()) {
        m_hasher.dummyVerify(password);
        return refuse(QStringLiteral("unknown_user"), key, user ? user->id : QString(), origin, counted);
    }
    const PasswordCheck check = m_hasher.verify(user->passwordHash, password);
    if (!check.matches)
        return refuse(QStringLiteral("bad_password"), key, user->id, origin, counted);
    if (!user->isActive())
        return refuse(QStringLiteral("disabled"), key, user->id, origin, counted);
    std::optional<MfaChallenge> challenge;
    if (m_secondFactor && user->emailVerified) {
        Result<std::optional<MfaChallenge>> asked = m_secondFactor->challenge(*user, origin);
        if (!asked)
            return asked.error();
        challenge = *asked;
    }
    if (ticket && !challenge) {
        if (Result<void> reset = m_lockout->recordSuccess(*ticket); !reset)
            return reset.error();
    }
    if (!user->emailVerified) {
        AuditEvent event { QStringLiteral("auth.login.failed"),
                           QString(),
                           user->id,
                           origin.ip,
                           origin.userAgent,
                           origin.requestId,
                           QStringLiteral("failure"),
                           QJsonObject { { QStringLiteral("reason"), QStringLiteral("unverified") },
                                         { QStringLiteral("email"), key } } };
        if (Result<qint64> recorded = m_audit.record(event); !recorded)
            return recorded.error();
        count(QStringLiteral("failure"), QStringLiteral("unverified"));
        return Error::make(ErrorCode::EmailNotVerified,
                           QStringLiteral("Please verify your email address before signing in."));
    }

    if (check.needsRehash) {
        // The parameters changed since this hash was made: upgrade it now that we know the password.
        if (Result<QString> rehashed = m_hasher.hash(password); rehashed) {
            if (Result<void> stored = m_users.updatePasswordHash(user->id, *rehashed); !stored)
                Log::warning(QStringLiteral("login"), QStringLiteral("password rehash not stored"),
                             { { QStringLiteral("error"), stored.error().message } });
        }
    }
    if (challenge) {
        // Not a success yet: audited (and counted) by the second step.
        count(QStringLiteral("challenge"), challenge->enrolmentRequired ? QStringLiteral("mfa_enrolment_required")
                                                                        : QStringLiteral("mfa_required"));
        return LoginOutcome { std::nullopt, challenge };
    }
    Result<TokenPair> pair = finishLogin(user->id, origin);
    if (!pair)
        return pair.error();
    return LoginOutcome { *pair, std::nullopt };
}

Result<TokenPair> LoginService::finishLogin(const QString& userId, const RequestOrigin& origin,
                                            const QJsonObject& details)
{
    if (Result<void> recorded = m_users.recordLogin(userId); !recorded)
        return recorded.error();
    Result<TokenPair> pair = m_tokens.startSession(userId, origin);
    if (!pair)
        return pair;
    QJsonObject eventDetails = details;
    eventDetails.insert(QStringLiteral("session_id"), pair->sessionId);
    AuditEvent event { QStringLiteral("auth.login.succeeded"),
                       userId,
                       userId,
                       origin.ip,
                       origin.userAgent,
                       origin.requestId,
                       QStringLiteral("success"),
                       eventDetails };
    if (Result<qint64> recorded = m_audit.record(event); !recorded)
        return recorded.error();
    count(QStringLiteral("success"), QStringLiteral("ok"));
    return pair;
}

} // namespace authshield::server
