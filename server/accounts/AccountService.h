#pragma once

#include "server/accounts/AccountTokens.h"
#include "server/accounts/PasswordPolicy.h"
#include "server/accounts/User.h"
#include "server/accounts/UserRepository.h"
#include "server/audit/AuditEvent.h"
#include "server/crypto/Random.h"
#include "shared/Result.h"

#include <QStringList>

#include <functional>
#include <mutex>

namespace authshield::server {

class AuditLog;
class Clock;
class Database;
class MailOutbox;
class PasswordHasher;
struct ServerConfig;

// Ends every session of a user except one (TokenService::revokeAllSessions), injected so the accounts domain
// does not depend on the token machinery. Called inside the transaction of the change that requires it (it
// joins it), so the password and the sessions change together.
using SessionRevoker = std::function<Result<int>(const QString& userId, const QString& reason,
                                                 const RequestOrigin& origin, const QString& exceptSessionId)>;

struct AccountProfile
{
    User user;
    QStringList roles;
};

// The account lifecycle: registration, email verification, password reset and change, profile, email change
// and deletion. Every change commits together with its audit event and its mail (outbox); every outcome is
// audited with the request origin. Methods that verify or hash passwords are slow (Argon2): slow pool only.
//
// Answers that must not reveal whether an email has an account (register, resend, forgot) succeed alike
// either way; validation problems come back as Error{ValidationFailed} with the request's field names.
class AccountService
{
public:
    AccountService(const Database& database, const Clock& clock, const ServerConfig& config,
                   const PasswordHasher& hasher, const AuditLog& auditLog, MailOutbox& outbox);

    void setSessionRevoker(SessionRevoker revoker) { m_revokeSessions = std::move(revoker); }
    // Per-account limit on reset mails (policy forgot_account), keyed by the normalised email whether or not
    // an account has it. Returns false when the mail must not be sent; the answer stays 202 either way.
    using AccountThrottle = std::function<bool(const QString& normalisedEmail)>;
    void setForgotThrottle(AccountThrottle throttle) { m_forgotThrottle = std::move(throttle); }
    // Base of the links in mails. Known only once the server listens when the port is chosen at start, so it
    // is set then; thread-safe.
    void setFrontendUrl(const QString& url);

    // The owner's notice when their account was locked after failed logins (once per lockout).
    Result<void> notifyLockout(const QString& email, const QDateTime& until);

    Result<void> registerAccount(const QString& email, const QString& password, const QString& displayName,
                                 const RequestOrigin& origin);
    // Consumes a verify_email or change_email token. An invalid, used or expired token is
    // Error{ValidationFailed} with fields["token"].
    Result<void> verifyEmail(const QByteArray& token, const RequestOrigin& origin);
    Result<void> resendVerification(const QString& email, const RequestOrigin& origin);
    Result<void> forgotPassword(const QString& email, const RequestOrigin& origin);
    Result<void> resetPassword(const QByteArray& token, const QString& newPassword, const RequestOrigin& origin);

    Result<AccountProfile> profile(const QString& userId) const;
    Result<AccountProfile> updateDisplayName(const QString& userId, const QString& displayName,
                                             const RequestOrigin& origin);
    Result<void> deleteAccount(const QString& userId, const QString& password, const RequestOrigin& origin);
    Result<void> requestEmailChange(const QString& userId, const QString& newEmail, const QString& password,
                                    const RequestOrigin& origin);
    // Revokes every other session of the user; the caller's (sessionId) stays signed in.
    Result<void> changePassword(const QString& userId, const QString& sessionId, const QString& currentPassword,
                                const QString& newPassword, const RequestOrigin& origin);

    // Admin API. Both mails carry a set-password link made by the reset-token mechanism (so the reset page and
    // POST /auth/reset-password consume it) and join the caller's transaction; call wakeMail() after commit.
    Result<void> mailInvite(const User& user, const QString& inviterEmail) const;
    Result<void> mailPasswordReset(const User& user) const;
    void wakeMail() const;
    // The password policy and Argon2id hash for a password an administrator sets (slow pool).
    Result<QString> hashNewPassword(const QString& password, const QString& email, const QString& fieldName) const;
    static constexpr std::chrono::hours kInviteTtl { 72 };

    // Trimmed, control and bidi-override characters removed, at most 100 characters.
    static Result<QString> sanitiseDisplayName(const QString& input, const QString& fieldName);
    static constexpr int kMaxDisplayNameLength = 100;

    const PasswordPolicy& passwordPolicy() const { return m_policy; }
    // Live password limits (admin settings); call before the server serves requests.
    void setPasswordLimitsSource(std::function<PasswordConfig()> source) { m_policy.setLimitsSource(std::move(source)); }

private:
    Result<void> audit(const QString& type, const QString& actorId, const QString& subjectId,
                       const RequestOrigin& origin, bool success, QJsonObject details = {}) const;
    Result<void> enqueueMail(const QString& templateName, const QString& to, QHash<QString, QString> values) const;
    // Issues a single-use token and queues the mail carrying its link ({frontend}/<page>?token=…).
    Result<void> mailTokenLink(const QString& userId, AccountTokenPurpose purpose, std::chrono::seconds ttl,
                               const QString& templateName, const QString& to, const QString& page,
                               QHash<QString, QString> values = {}, const QString& newEmail = {}) const;
    Result<User> existingUser(const QString& userId) const;
    Result<void> revokeSessions(const QString& userId, const QString& reason, const RequestOrigin& origin,
                                const QString& exceptSessionId) const;
    QString link(const QString& page, const QByteArray& token) const;
    QString frontendUrl() const;
    static QString validFor(std::chrono::seconds ttl);
    QString nowText() const;

    const Database& m_database;
    const Clock& m_clock;
    const ServerConfig& m_config;
    const PasswordHasher& m_hasher;
    const AuditLog& m_auditLog;
    MailOutbox& m_outbox;
    SystemRandom m_random;
    UserRepository m_users;
    PasswordPolicy m_policy;
    AccountTokens m_tokens;
    SessionRevoker m_revokeSessions;
    AccountThrottle m_forgotThrottle;
    mutable std::mutex m_frontendUrlMutex;
    QString m_frontendUrl;
};

} // namespace authshield::server
