#include "server/accounts/AccountService.h"

#include "server/accounts/EmailAddress.h"
#include "server/accounts/UserViewCache.h"
#include "server/audit/AuditLog.h"
#include "server/core/Clock.h"
#include "server/core/Config.h"
#include "server/crypto/PasswordHasher.h"
#include "server/mail/MailOutbox.h"
#include "server/mail/MailTemplates.h"
#include "server/storage/Database.h"
#include "server/storage/Transaction.h"

#include <QUrl>

namespace authshield::server {

namespace {

const QString kVerifyEmail = QStringLiteral("verify_email");
const QString kAccountExists = QStringLiteral("account_exists");
const QString kPasswordReset = QStringLiteral("password_reset");
const QString kPasswordChanged = QStringLiteral("password_changed");
const QString kEmailChangeVerify = QStringLiteral("email_change_verify");
const QString kEmailChangeNotice = QStringLiteral("email_change_notice");

Error invalidToken()
{
    Error error
        = Error::make(ErrorCode::ValidationFailed, QStringLiteral("the link is invalid, expired or already used"));
    error.fields.insert(QStringLiteral("token"), QStringLiteral("is invalid, expired or already used"));
    return error;
}

Error wrongPassword(const QString& field)
{
    Error error = Error::make(ErrorCode::ValidationFailed, QStringLiteral("the password is incorrect"));
    error.fields.insert(field, QStringLiteral("is incorrect"));
    return error;
}

// Collects validation problems of several fields into one 422.
void mergeProblems(Error& into, const Error& from)
{
    for (auto it = from.fields.cbegin(); it != from.fields.cend(); ++it)
        into.fields.insert(it.key(), it.value());
}

bool isBidiControl(char32_t c)
{
    return (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

QString displayNameOrEmail(const User& user)
{
    return user.displayName.isEmpty() ? user.email : user.displayName;
}

// Runs body inside a write transaction and commits when it succeeds.
template<typename Body> Result<void> transaction(const Database& database, Body&& body)
{
    Result<Transaction> tx = Transaction::begin(database);
    if (!tx)
        return tx.error();
    if (Result<void> done = body(); !done)
        return done;
    return tx->commit();
}

} // namespace

AccountService::AccountService(const Database& database, const Clock& clock, const ServerConfig& config,
                               const PasswordHasher& hasher, const AuditLog& auditLog, MailOutbox& outbox)
    : m_database(database)
    , m_clock(clock)
    , m_config(config)
    , m_hasher(hasher)
    , m_auditLog(auditLog)
    , m_outbox(outbox)
    , m_users(database, clock)
    , m_policy(config.password, hasher)
    , m_tokens(database, clock, m_random)
{
    setFrontendUrl(config.effectiveFrontendUrl());
}

Result<QString> AccountService::sanitiseDisplayName(const QString& input, const QString& fieldName)
{
    QList<uint> kept;
    for (const uint c : input.toUcs4()) {
        if (QChar::category(c) == QChar::Other_Control || isBidiControl(static_cast<char32_t>(c)))
            continue;
        kept.append(c);
    }
    const QString name = QString::fromUcs4(reinterpret_cast<const char32_t*>(kept.constData()), kept.size()).trimmed();
    if (name.toUcs4().size() > kMaxDisplayNameLength) {
        Error error = Error::make(ErrorCode::ValidationFailed, QStringLiteral("the display name is too long"));
        error.fields.insert(fieldName, QStringLiteral("must be at most %1 characters").arg(kMaxDisplayNameLength));
        return error;
    }
    return name;
}

void AccountService::setFrontendUrl(const QString& url)
{
    QString trimmed = url;
    while (trimmed.endsWith(u'/'))
        trimmed.chop(1);
    std::lock_guard lock(m_frontendUrlMutex);
    m_frontendUrl = trimmed;
}

QString AccountService::frontendUrl() const
{
    std::lock_guard lock(m_frontendUrlMutex);
    return m_frontendUrl;
}

QString AccountService::link(const QString& page, const QByteArray& token) const
{
    return frontendUrl() + u'/' + page + QStringLiteral("?token=") + QString::fromLatin1(token);
}

QString AccountService::validFor(std::chrono::seconds ttl)
{
    const qint64 seconds = ttl.count();
    if (seconds % 3600 == 0)
        return seconds == 3600 ? QStringLiteral("1 hour") : QStringLiteral("%1 hours").arg(seconds / 3600);
    const qint64 minutes = std::max<qint64>(1, seconds / 60);
    return minutes == 1 ? QStringLiteral("1 minute") : QStringLiteral("%1 minutes").arg(minutes);
}

QString AccountService::nowText() const
{
    return m_clock.now().toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm")) + QStringLiteral(" UTC");
}

Result<void> AccountService::audit(const QString& type, const QString& actorId, const QString& subjectId,
                                   const RequestOrigin& origin, bool success, QJsonObject details) const
{
    AuditEvent event;
    event.type = type;
    event.actorId = actorId;
    event.subjectId = subjectId;
    event.ip = origin.ip;
    event.userAgent = origin.userAgent;
    event.requestId = origin.requestId;
    event.outcome = success ? QStringLiteral("success") : QStringLiteral("failure");
    event.details = std::move(details);
    Result<qint64> recorded = m_auditLog.record(std::move(event));
    if (!recorded)
        return recorded.error();
    return authshield::success();
}

Result<void> AccountService::enqueueMail(const QString& templateName, const QString& to,
                                         QHash<QString, QString> values) const
{
    values.insert(QStringLiteral("email"), values.value(QStringLiteral("email"), to));
    Result<MailMessage> message = MailTemplates::render(templateName, to, values);
    if (!message)
        return message.error();
    Result<QString> queued = m_outbox.enqueue(*message);
    if (!queued)
        return queued.error();
    return authshield::success();
}

Result<void> AccountService::notifyLockout(const QString& email, const QDateTime& until)
{
    Result<void> mailed = enqueueMail(QStringLiteral("account_locked"), email,
                                      { { QStringLiteral("until"), until.toUTC().toString(Qt::ISODate) },
                                        { QStringLiteral("reset_url"), frontendUrl() + QStringLiteral("/reset-password") } });
    if (mailed)
        m_outbox.wake();
    return mailed;
}

Result<void> AccountService::mailTokenLink(const QString& userId, AccountTokenPurpose purpose, std::chrono::seconds ttl,
                                           const QString& templateName, const QString& to, const QString& page,
                                           QHash<QString, QString> values, const QString& newEmail) const
{
    Result<QByteArray> token = m_tokens.issue(userId, purpose, ttl, newEmail);
    if (!token)
        return token.error();
    values.insert(QStringLiteral("link"), link(page, *token));
    values.insert(QStringLiteral("valid_for"), validFor(ttl));
    return enqueueMail(templateName, to, std::move(values));
}

Result<User> AccountService::existingUser(const QString& userId) const
{
    Result<std::optional<User>> user = m_users.findById(userId);
    if (!user)
        return user.error();
    if (!user->has_value())
        return Error::make(ErrorCode::NotFound, QStringLiteral("the account no longer exists"));
    return **user;
}

Result<void> AccountService::revokeSessions(const QString& userId, const QString& reason, const RequestOrigin& origin,
                                            const QString& exceptSessionId) const
{
    if (!m_revokeSessions)
        return Error::make(ErrorCode::Internal, QStringLiteral("session revocation is not configured"));
    Result<int> revoked = m_revokeSessions(userId, reason, origin, exceptSessionId);
    if (!revoked)
        return revoked.error();
    return authshield::success();
}

Result<void> AccountService::registerAccount(const QString& email, const QString& password, const QString& displayName,
                                             const RequestOrigin& origin)
{
    Error problems = Error::make(ErrorCode::ValidationFailed, QStringLiteral("the registration is not valid"));
    const Result<QString> normalised = EmailAddress::normalise(email, QStringLiteral("email"));
    if (!normalised)
        mergeProblems(problems, normalised.error());
    const Result<QString> name = sanitiseDisplayName(displayName, QStringLiteral("display_name"));
    if (!name)
        mergeProblems(problems, name.error());
    // Same checks and the same Argon2 cost whether or not the address has an account, so neither the answer
    // nor its timing tells.
    const Result<void> policy = m_policy.check(password, normalised ? *normalised : email, QStringLiteral("password"));
    if (!policy)
        mergeProblems(problems, policy.error());
    if (!problems.fields.isEmpty())
        return problems;
    Result<QString> hash = m_hasher.hash(password.toUtf8());
    if (!hash)
        return hash.error();

    auto notifyOwner = [&](const User& owner) {
        return transaction(m_database, [&]() -> Result<void> {
            if (Result<void> mailed
                = enqueueMail(kAccountExists, owner.email,
                              { { QStringLiteral("reset_url"), frontendUrl() + QStringLiteral("/reset-password") } });
                !mailed)
                return mailed;
            return audit(QStringLiteral("auth.register.existing_email"), {}, owner.id, origin, false,
                         { { QStringLiteral("reason"), QStringLiteral("email_exists") } });
        });
    };

    Result<std::optional<User>> existing = m_users.findByEmail(*normalised);
    if (!existing)
        return existing.error();
    Result<void> done
        = existing->has_value() ? notifyOwner(**existing) : transaction(m_database, [&]() -> Result<void> {
              NewUser newUser;
              newUser.email = *normalised;
              newUser.passwordHash = *hash;
              newUser.displayName = *name;
              Result<User> created = m_users.create(newUser);
              if (!created)
                  return created.error();
              if (Result<void> role = m_users.assignRole(created->id, QStringLiteral("user")); !role)
                  return role;
              if (Result<void> mailed
                  = mailTokenLink(created->id, AccountTokenPurpose::VerifyEmail, m_config.accounts.verifyTtl,
                                  kVerifyEmail, created->email, QStringLiteral("verify-email"));
                  !mailed)
                  return mailed;
              return audit(QStringLiteral("auth.register.succeeded"), created->id, created->id, origin, true);
          });
    if (!done && done.error().code == ErrorCode::Conflict) {
        // Registered concurrently by another request: from here on it is an existing account.
        Result<std::optional<User>> winner = m_users.findByEmail(*normalised);
        if (!winner)
            return winner.error();
        done = winner->has_value() ? notifyOwner(**winner) : done;
    }
    if (done)
        m_outbox.wake();
    return done;
}

Result<void> AccountService::verifyEmail(const QByteArray& token, const RequestOrigin& origin)
{
    bool invalid = false;
    Result<void> done = transaction(m_database, [&]() -> Result<void> {
        Result<std::optional<AccountToken>> consumed
            = m_tokens.consume(token, { AccountTokenPurpose::VerifyEmail, AccountTokenPurpose::ChangeEmail });
        if (!consumed)
            return consumed.error();
        if (!consumed->has_value()) {
            invalid = true; // the audit row commits; the caller still gets the error
            return audit(QStringLiteral("auth.email.verify_failed"), {}, {}, origin, false,
                         { { QStringLiteral("reason"), QStringLiteral("invalid_token") } });
        }
        const AccountToken& used = **consumed;
        Result<User> user = existingUser(used.userId);
        if (!user)
            return user.error();
        if (used.purpose == AccountTokenPurpose::VerifyEmail) {
            if (Result<void> verified = m_users.setEmailVerified(user->id, true); !verified)
                return verified;
            return audit(QStringLiteral("auth.email.verified"), user->id, user->id, origin, true,
                         { { QStringLiteral("email"), user->email } });
        }
        Result<std::optional<User>> taken = m_users.findByEmail(used.newEmail);
        if (!taken)
            return taken.error();
        if (taken->has_value())
            return Error::make(ErrorCode::Conflict, QStringLiteral("the new address belongs to another account now"));
        if (Result<void> changed = m_users.updateEmail(user->id, used.newEmail); !changed)
            return changed;
        if (Result<void> verified = m_users.setEmailVerified(user->id, true); !verified)
            return verified;
        if (Result<void> mailed = enqueueMail(kEmailChangeNotice, user->email,
                                              { { QStringLiteral("display_name"), displayNameOrEmail(*user) },
                                                { QStringLiteral("old_email"), user->email },
                                                { QStringLiteral("new_email"), used.newEmail },
                                                { QStringLiteral("time"), nowText() } });
            !mailed)
            return mailed;
        return audit(QStringLiteral("user.email.changed"), user->id, user->id, origin, true,
                     { { QStringLiteral("old_email"), user->email }, { QStringLiteral("new_email"), used.newEmail } });
    });
    if (!done)
        return done;
    if (invalid)
        return invalidToken();
    m_outbox.wake();
    return done;
}

Result<void> AccountService::resendVerification(const QString& email, const RequestOrigin& origin)
{
    const Result<QString> normalised = EmailAddress::normalise(email, QStringLiteral("email"));
    if (!normalised)
        return normalised.error();
    Result<void> done = transaction(m_database, [&]() -> Result<void> {
        Result<std::optional<User>> user = m_users.findByEmail(*normalised);
        if (!user)
            return user.error();
        if (!user->has_value() || (*user)->emailVerified || !(*user)->isActive()) {
            const QString reason = !user->has_value() ? QStringLiteral("unknown_email")
                : (*user)->emailVerified              ? QStringLiteral("already_verified")
                                                      : QStringLiteral("disabled");
            return audit(QStringLiteral("auth.verification.resend_ignored"), {},
                         user->has_value() ? (*user)->id : QString(), origin, false,
                         { { QStringLiteral("reason"), reason }, { QStringLiteral("email"), *normalised } });
        }
        const User& account = **user;
        if (Result<void> mailed = mailTokenLink(account.id, AccountTokenPurpose::VerifyEmail, m_config.accounts.verifyTtl,
                                                kVerifyEmail, account.email, QStringLiteral("verify-email"));
            !mailed)
            return mailed;
        return audit(QStringLiteral("auth.verification.resent"), {}, account.id, origin, true);
    });
    if (done)
        m_outbox.wake();
    return done;
}

Result<void> AccountService::forgotPassword(const QString& email, const RequestOrigin& origin)
{
    const Result<QString> normalised = EmailAddress::normalise(email, QStringLiteral("email"));
    if (!normalised)
        return normalised.error();
    if (m_forgotThrottle && !m_forgotThrottle(*normalised)) {
        return audit(QStringLiteral("auth.password_reset.ignored"), {}, {}, origin, false,
                     { { QStringLiteral("reason"), QStringLiteral("rate_limited") },
                       { QStringLiteral("email"), *normalised } });
    }
    Result<void> done = transaction(m_database, [&]() -> Result<void> {
        Result<std::optional<User>> user = m_users.findByEmail(*normalised);
        if (!user)
            return user.error();
        if (!user->has_value() || !(*user)->isActive()) {
            return audit(QStringLiteral("auth.password_reset.ignored"), {}, user->has_value() ? (*user)->id : QString(),
                         origin, false,
                         { { QStringLiteral("reason"),
                             user->has_value() ? QStringLiteral("disabled") : QStringLiteral("unknown_email") },
                           { QStringLiteral("email"), *normalised } });
        }
        const User& account = **user;
        if (Result<void> mailed
            = mailTokenLink(account.id, AccountTokenPurpose::ResetPassword, m_config.accounts.resetTtl,
                            kPasswordReset, account.email, QStringLiteral("reset-password"));
            !mailed)
            return mailed;
        return audit(QStringLiteral("auth.password_reset.requested"), {}, account.id, origin, true);
    });
    if (done)
        m_outbox.wake();
    return done;
}

Result<void> AccountService::resetPassword(const QByteArray& token, const QString& newPassword,
                                           const RequestOrigin& origin)
{
    // Look first, spend later: a password the policy refuses must not burn the link.
    Result<std::optional<AccountToken>> found = m_tokens.peek(token, { AccountTokenPurpose::ResetPassword });
    if (!found)
        return found.error();
    Result<User> user = found->has_value() ? existingUser((*found)->userId) : Result<User>(invalidToken());
    if (!user) {
        if (Result<void> audited = audit(QStringLiteral("auth.password_reset.failed"), {}, {}, origin, false,
                                         { { QStringLiteral("reason"), QStringLiteral("invalid_token") } });
            !audited)
            return audited;
        return invalidToken();
    }
    if (Result<void> policy
        = m_policy.check(newPassword, user->email, QStringLiteral("new_password"), user->passwordHash);
        !policy) {
        if (Result<void> audited = audit(QStringLiteral("auth.password_reset.failed"), {}, user->id, origin, false,
                                         { { QStringLiteral("reason"), QStringLiteral("password_policy") } });
            !audited)
            return audited;
        return policy;
    }
    Result<QString> hash = m_hasher.hash(newPassword.toUtf8());
    if (!hash)
        return hash.error();

    bool spent = false;
    Result<void> done = transaction(m_database, [&]() -> Result<void> {
        Result<std::optional<AccountToken>> consumed = m_tokens.consume(token, { AccountTokenPurpose::ResetPassword });
        if (!consumed)
            return consumed.error();
        if (!consumed->has_value()) {
            spent = true; // used by a concurrent request in the meantime
            return audit(QStringLiteral("auth.password_reset.failed"), {}, user->id, origin, false,
                         { { QStringLiteral("reason"), QStringLiteral("invalid_token") } });
        }
        if (Result<void> updated = m_users.updatePasswordHash(user->id, *hash); !updated)
            return updated;
        // Following the link proved the mailbox belongs to the account holder.
        if (Result<void> verified = m_users.setEmailVerified(user->id, true); !verified)
            return verified;
        if (Result<void> mailed = enqueueMail(
                kPasswordChanged, user->email,
                { { QStringLiteral("display_name"), displayNameOrEmail(*user) },
                  { QStringLiteral("time"), nowText() },
                  { QStringLiteral("sessions_note"), QStringLiteral("Every session of the account was signed out.") },
                  { QStringLiteral("reset_url"), frontendUrl() + QStringLiteral("/reset-password") } });
            !mailed)
            return mailed;
        if (Result<void> revoked = revokeSessions(user->id, QStringLiteral("password_reset"), origin, {}); !revoked)
            return revoked;
        return audit(QStringLiteral("auth.password_reset.completed"), user->id, user->id, origin, true);
    });
    if (!done)
        return done;
    if (spent)
        return invalidToken();
    m_outbox.wake();
    return done;
}

Result<AccountProfile> AccountService::profile(const QString& userId) const
{
    // The hot authenticated read: served from the fresh view when there is one (no database round trip).
    const qint64 nowMs = m_clock.now().toMSecsSinceEpoch();
    const bool cacheable = !m_database.inTransaction(); // never publish a view an open transaction may roll back
    if (cacheable) {
        if (std::optional<UserViewCache::View> view = UserViewCache::instance().find(userId, nowMs))
            return AccountProfile { std::move(view->user), std::move(view->roles) };
    }
    Result<User> user = existingUser(userId);
    if (!user)
        return user.error();
    Result<QStringList> roles = m_users.roles(userId);
    if (!roles)
        return roles.error();
    if (cacheable)
        UserViewCache::instance().store(userId, UserViewCache::View { *user, *roles }, nowMs);
    return AccountProfile { *user, *roles };
}

Result<AccountProfile> AccountService::updateDisplayName(const QString& userId, const QString& displayName,
                                                         const RequestOrigin& origin)
{
    const Result<QString> name = sanitiseDisplayName(displayName, QStringLiteral("display_name"));
    if (!name)
        return name.error();
    Result<void> done = transaction(m_database, [&]() -> Result<void> {
        Result<User> user = existingUser(userId);
        if (!user)
            return user.error();
        if (Result<void> updated = m_users.updateDisplayName(userId, *name); !updated)
            return updated;
        return audit(QStringLiteral("user.profile.updated"), userId, userId, origin, true,
                     { { QStringLiteral("fields"), QStringLiteral("display_name") } });
    });
    if (!done)
        return done.error();
    return profile(userId);
}

Result<void> AccountService::deleteAccount(const QString& userId, const QString& password, const RequestOrigin& origin)
{
    Result<User> user = existingUser(userId);
    if (!user)
        return user.error();
    if (!m_hasher.verify(user->passwordHash, password.toUtf8()).matches) {
        if (Result<void> audited = audit(QStringLiteral("user.delete_failed"), userId, userId, origin, false,
                                         { { QStringLiteral("reason"), QStringLiteral("wrong_password") } });
            !audited)
            return audited;
        return wrongPassword(QStringLiteral("password"));
    }
    bool lastAdmin = false;
    Result<void> done = transaction(m_database, [&]() -> Result<void> {
        // A site must never lose its last administrator (checked inside the write transaction, so two admins
        // deleting themselves at once cannot both pass).
        Result<QStringList> roles = m_users.roles(userId);
        if (!roles)
            return roles.error();
        if (roles->contains(QStringLiteral("admin"))) {
            Result<qint64> admins = m_users.countActiveWithRole(QStringLiteral("admin"));
            if (!admins)
                return admins.error();
            if (*admins <= 1) {
                lastAdmin = true;
                return Error::make(ErrorCode::Conflict, QStringLiteral("this is the last administrator account; "
                                                                       "make another user an administrator first"));
            }
        }
        // Revoked before the row goes: the revocation must reach every instance's blocklist, and the sessions
        // disappear with the user (ON DELETE CASCADE).
        if (Result<void> revoked = revokeSessions(userId, QStringLiteral("account_deleted"), origin, {}); !revoked)
            return revoked;
        Result<bool> removed = m_users.remove(userId);
        if (!removed)
            return removed.error();
        return audit(QStringLiteral("user.deleted"), userId, userId, origin, true,
                     { { QStringLiteral("email"), user->email }, { QStringLiteral("by"), QStringLiteral("self") } });
    });
    if (lastAdmin) // recorded after the rollback, or it would vanish with it
        (void)audit(QStringLiteral("user.delete_failed"), userId, userId, origin, false,
                    { { QStringLiteral("reason"), QStringLiteral("last_admin") } });
    return done;
}

Result<void> AccountService::requestEmailChange(const QString& userId, const QString& newEmail, const QString& password,
                                                const RequestOrigin& origin)
{
    const Result<QString> normalised = EmailAddress::normalise(newEmail, QStringLiteral("new_email"));
    if (!normalised)
        return normalised.error();
    Result<User> user = existingUser(userId);
    if (!user)
        return user.error();
    if (!m_hasher.verify(user->passwordHash, password.toUtf8()).matches) {
        if (Result<void> audited = audit(QStringLiteral("user.email_change.failed"), userId, userId, origin, false,
                                         { { QStringLiteral("reason"), QStringLiteral("wrong_password") } });
            !audited)
            return audited;
        return wrongPassword(QStringLiteral("password"));
    }
    if (*normalised == user->email) {
        Error error = Error::make(ErrorCode::ValidationFailed, QStringLiteral("that is already the account's address"));
        error.fields.insert(QStringLiteral("new_email"), QStringLiteral("is already your email address"));
        return error;
    }
    Result<void> done = transaction(m_database, [&]() -> Result<void> {
        Result<std::optional<User>> taken = m_users.findByEmail(*normalised);
        if (!taken)
            return taken.error();
        if (taken->has_value()) {
            // Answered like a free address; the other account's owner learns someone tried.
            if (Result<void> mailed
                = enqueueMail(kAccountExists, (*taken)->email,
                              { { QStringLiteral("reset_url"), frontendUrl() + QStringLiteral("/reset-password") } });
                !mailed)
                return mailed;
            return audit(QStringLiteral("user.email_change.requested"), userId, userId, origin, false,
                         { { QStringLiteral("reason"), QStringLiteral("email_taken") },
                           { QStringLiteral("new_email"), *normalised } });
        }
        if (Result<void> mailed
            = mailTokenLink(userId, AccountTokenPurpose::ChangeEmail, m_config.accounts.emailChangeTtl,
                            kEmailChangeVerify, *normalised, QStringLiteral("verify-email"),
                            { { QStringLiteral("display_name"), displayNameOrEmail(*user) },
                              { QStringLiteral("new_email"), *normalised } },
                            *normalised);
            !mailed)
            return mailed;
        return audit(QStringLiteral("user.email_change.requested"), userId, userId, origin, true,
                     { { QStringLiteral("new_email"), *normalised } });
    });
    if (done)
        m_outbox.wake();
    return done;
}

Result<void> AccountService::changePassword(const QString& userId, const QString& sessionId,
                                            const QString& currentPassword, const QString& newPassword,
                                            const RequestOrigin& origin)
{
    Result<User> user = existingUser(userId);
    if (!user)
        return user.error();
    if (!m_hasher.verify(user->passwordHash, currentPassword.toUtf8()).matches) {
        if (Result<void> audited = audit(QStringLiteral("auth.password.change_failed"), userId, userId, origin, false,
                                         { { QStringLiteral("reason"), QStringLiteral("wrong_password") } });
            !audited)
            return audited;
        return wrongPassword(QStringLiteral("current_password"));
    }
    if (Result<void> policy
        = m_policy.check(newPassword, user->email, QStringLiteral("new_password"), user->passwordHash);
        !policy) {
        if (Result<void> audited = audit(QStringLiteral("auth.password.change_failed"), userId, userId, origin, false,
                                         { { QStringLiteral("reason"), QStringLiteral("password_policy") } });
            !audited)
            return audited;
        return policy;
    }
    Result<QString> hash = m_hasher.hash(newPassword.toUtf8());
    if (!hash)
        return hash.error();
    Result<void> done = transaction(m_database, [&]() -> Result<void> {
        if (Result<void> updated = m_users.updatePasswordHash(userId, *hash); !updated)
            return updated;
        if (Result<void> mailed
            = enqueueMail(kPasswordChanged, user->email,
                          { { QStringLiteral("display_name"), displayNameOrEmail(*user) },
                            { QStringLiteral("time"), nowText() },
                            { QStringLiteral("sessions_note"), QStringLiteral("Your other sessions were signed out.") },
                            { QStringLiteral("reset_url"), frontendUrl() + QStringLiteral("/reset-password") } });
            !mailed)
            return mailed;
        if (Result<void> revoked = revokeSessions(userId, QStringLiteral("password_changed"), origin, sessionId);
            !revoked)
            return revoked;
        return audit(QStringLiteral("auth.password.changed"), userId, userId, origin, true);
    });
    if (done)
        m_outbox.wake();
    return done;
}

} // namespace authshield::server

namespace authshield::server {

Result<void> AccountService::mailInvite(const User& user, const QString& inviterEmail) const
{
    return mailTokenLink(user.id, AccountTokenPurpose::ResetPassword, std::chrono::seconds(kInviteTtl),
                         QStringLiteral("admin_invite"), user.email, QStringLiteral("reset-password"),
                         { { QStringLiteral("inviter"), inviterEmail },
                           { QStringLiteral("display_name"), user.displayName } });
}

Result<void> AccountService::mailPasswordReset(const User& user) const
{
    return mailTokenLink(user.id, AccountTokenPurpose::ResetPassword, m_config.accounts.resetTtl, kPasswordReset,
                         user.email, QStringLiteral("reset-password"));
}

void AccountService::wakeMail() const
{
    m_outbox.wake();
}

Result<QString> AccountService::hashNewPassword(const QString& password, const QString& email,
                                                const QString& fieldName) const
{
    if (Result<void> policy = m_policy.check(password, email, fieldName); !policy)
        return policy.error();
    return m_hasher.hash(password.toUtf8());
}

} // namespace authshield::server
