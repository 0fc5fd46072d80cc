#include "server/accounts/UserAdministration.h"

#include "server/accounts/AdminErrors.h"
#include "server/accounts/EmailAddress.h"
#include "server/audit/AuditLog.h"
#include "server/core/Clock.h"
#include "server/storage/Database.h"
#include "server/storage/SqlQuery.h"
#include "server/storage/Transaction.h"

#include <QJsonArray>
#include <QSet>
#include <QUuid>

namespace authshield::server {

namespace {
const QString kAdmin = QStringLiteral("admin");

void merge(Error& into, const Error& from)
{
    for (auto it = from.fields.constBegin(); it != from.fields.constEnd(); ++it)
        into.fields.insert(it.key(), it.value());
}

Error invalid(const QString& field, const QString& reason)
{
    Error error = Error::make(ErrorCode::ValidationFailed, QStringLiteral("the user is not valid"));
    error.fields.insert(field, reason);
    return error;
}

QStringList uniqueSorted(const QStringList& list)
{
    QStringList unique = QSet<QString>(list.begin(), list.end()).values();
    unique.sort();
    return unique;
}
} // namespace

UserAdministration::UserAdministration(const Database& database, const Clock& clock, const AuditLog& audit,
                                       AccountService& accounts, const UserDirectory& directory,
                                       SessionRevoker revoker, UserUnlocker unlocker)
    : m_database(database)
    , m_clock(clock)
    , m_audit(audit)
    , m_accounts(accounts)
    , m_directory(directory)
    , m_users(database, clock)
    , m_revoke(std::move(revoker))
    , m_unlock(std::move(unlocker))
{
}

Result<User> UserAdministration::existing(const QString& userId) const
{
    const Error notFound = Error::make(ErrorCode::NotFound, QStringLiteral("no such user"));
    if (QUuid::fromString(userId).isNull())
        return notFound;
    Result<std::optional<User>> user = m_users.findById(userId);
    if (!user)
        return user.error();
    if (!user->has_value())
        return notFound;
    return **user;
}

Result<void> UserAdministration::checkRoles(const QStringList& roles) const
{
    SqlQuery rows = m_database.prepare(QStringLiteral("SELECT name FROM roles"));
    if (Result<void> read = rows.exec(); !read)
        return read;
    QSet<QString> known;
    while (rows.next())
        known.insert(rows.string(0));
    for (const QString& role : roles)
        if (!known.contains(role))
            return invalid(QStringLiteral("roles"), QStringLiteral("unknown role: %1").arg(role));
    return success();
}

Result<void> UserAdministration::keepAnAdmin(const User& user, const QStringList& currentRoles, bool staysActive,
                                             bool keepsAdminRole) const
{
    if (!user.isActive() || !currentRoles.contains(kAdmin) || (staysActive && keepsAdminRole))
        return success();
    // Inside the write transaction, so two administrators demoting each other cannot both succeed.
    Result<qint64> admins = m_users.countActiveWithRole(kAdmin);
    if (!admins)
        return admins.error();
    if (*admins <= 1)
        return lastAdminError();
    return success();
}

Result<void> UserAdministration::audit(const QString& type, const QString& subjectId, const QString& actorId,
                                       const RequestOrigin& origin, QJsonObject details) const
{
    AuditEvent event { type, actorId, subjectId, origin.ip, origin.userAgent, origin.requestId,
                       QStringLiteral("success"), std::move(details) };
    Result<qint64> recorded = m_audit.record(event);
    if (!recorded)
        return recorded.error();
    return success();
}

Result<UserSummary> UserAdministration::summary(const QString& userId) const
{
    Result<std::optional<UserSummary>> found = m_directory.find(userId);
    if (!found)
        return found.error();
    if (!found->has_value())
        return Error::make(ErrorCode::NotFound, QStringLiteral("no such user"));
    return **found;
}

Result<UserSummary> UserAdministration::create(const AdminNewUser& input, const QString& actorId,
                                               const RequestOrigin& origin)
{
    Error problems = Error::make(ErrorCode::ValidationFailed, QStringLiteral("the user is not valid"));
    const Result<QString> email = EmailAddress::normalise(input.email, QStringLiteral("email"));
    if (!email)
        merge(problems, email.error());
    const Result<QString> name = AccountService::sanitiseDisplayName(input.displayName, QStringLiteral("display_name"));
    if (!name)
        merge(problems, name.error());
    const QStringList roles = uniqueSorted(input.roles.value_or(QStringList { QStringLiteral("user") }));
    if (Result<void> known = checkRoles(roles); !known) {
        if (known.error().code != ErrorCode::ValidationFailed)
            return known.error();
        merge(problems, known.error());
    }
    if (input.sendInvite && input.password)
        problems.fields.insert(QStringLiteral("send_invite"), QStringLiteral("an invite is for users without a password"));
    if (!problems.fields.isEmpty())
        return problems;
    QString hash;
    if (input.password) {
        Result<QString> hashed = m_accounts.hashNewPassword(*input.password, *email, QStringLiteral("password"));
        if (!hashed)
            return hashed.error();
        hash = *hashed;
    }

    QString userId;
    {
        Result<Transaction> tx = Transaction::begin(m_database);
        if (!tx)
            return tx.error();
        NewUser newUser;
        newUser.email = *email;
        newUser.passwordHash = hash;
        newUser.displayName = *name;
        newUser.emailVerified = input.emailVerified;
        Result<User> created = m_users.create(newUser);
        if (!created) {
            if (created.error().code == ErrorCode::Conflict)
                return invalid(QStringLiteral("email"), QStringLiteral("an account with this email exists"));
            return created.error();
        }
        userId = created->id;
        for (const QString& role : roles)
            if (Result<void> assigned = m_users.assignRole(userId, role); !assigned)
                return assigned.error();
        if (input.sendInvite) {
            Result<std::optional<User>> actor = m_users.findById(actorId);
            const QString inviter = actor && actor->has_value() ? (*actor)->email : QStringLiteral("an administrator");
            if (Result<void> mailed = m_accounts.mailInvite(*created, inviter); !mailed)
                return mailed.error();
        }
        if (Result<void> audited
            = audit(QStringLiteral("admin.user.created"), userId, actorId, origin,
                    { { QStringLiteral("email"), *email },
                      { QStringLiteral("roles"), QJsonArray::fromStringList(roles) },
                      { QStringLiteral("email_verified"), input.emailVerified },
                      { QStringLiteral("password_set"), input.password.has_value() },
                      { QStringLiteral("invited"), input.sendInvite } });
            !audited)
            return audited.error();
        if (Result<void> committed = tx->commit(); !committed)
            return committed.error();
    }
    if (input.sendInvite)
        m_accounts.wakeMail();
    return summary(userId);
}

Result<UserSummary> UserAdministration::update(const QString& userId, const AdminUserChange& change,
                                               const QString& actorId, const RequestOrigin& origin)
{
    std::optional<QString> name;
    if (change.displayName) {
        Result<QString> sanitised = AccountService::sanitiseDisplayName(*change.displayName, QStringLiteral("display_name"));
        if (!sanitised)
            return sanitised.error();
        name = *sanitised;
    }
    std::optional<QStringList> newRoles;
    if (change.roles) {
        newRoles = uniqueSorted(*change.roles);
        if (Result<void> known = checkRoles(*newRoles); !known)
            return known.error();
    }
    {
        Result<Transaction> tx = Transaction::begin(m_database);
        if (!tx)
            return tx.error();
        Result<User> user = existing(userId);
        if (!user)
            return user.error();
        Result<QStringList> roles = m_users.roles(userId);
        if (!roles)
            return roles.error();
        const bool staysActive = change.status ? *change.status == UserStatus::Active : user->isActive();
        const bool keepsAdmin = newRoles ? newRoles->contains(kAdmin) : roles->contains(kAdmin);
        if (Result<void> kept = keepAnAdmin(*user, *roles, staysActive, keepsAdmin); !kept)
            return kept.error();

        QJsonObject details;
        if (name && *name != user->displayName) {
            if (Result<void> done = m_users.updateDisplayName(userId, *name); !done)
                return done.error();
            details.insert(QStringLiteral("display_name"), QJsonObject { { QStringLiteral("from"), user->displayName },
                                                                         { QStringLiteral("to"), *name } });
        }
        if (change.emailVerified && *change.emailVerified != user->emailVerified) {
            if (Result<void> done = m_users.setEmailVerified(userId, *change.emailVerified); !done)
                return done.error();
            details.insert(QStringLiteral("email_verified"), *change.emailVerified);
        }
        if (change.status && *change.status != user->status) {
            if (Result<void> done = m_users.setStatus(userId, *change.status); !done)
                return done.error();
            details.insert(QStringLiteral("status"), QJsonObject { { QStringLiteral("from"), userStatusName(user->status) },
                                                                   { QStringLiteral("to"), userStatusName(*change.status) } });
            if (*change.status == UserStatus::Disabled) {
                // Joins this transaction; the revocation push makes the access tokens fail at once everywhere.
                Result<int> revoked = m_revoke(userId, QStringLiteral("admin_disabled"), origin, {});
                if (!revoked)
                    return revoked.error();
                details.insert(QStringLiteral("sessions_revoked"), *revoked);
            }
        }
        if (newRoles) {
            const QStringList current = uniqueSorted(*roles);
            if (current != *newRoles) {
                for (const QString& role : current)
                    if (!newRoles->contains(role))
                        if (Result<void> done = m_users.removeRole(userId, role); !done)
                            return done.error();
                for (const QString& role : std::as_const(*newRoles))
                    if (!current.contains(role))
                        if (Result<void> done = m_users.assignRole(userId, role); !done)
                            return done.error();
                details.insert(QStringLiteral("roles"),
                               QJsonObject { { QStringLiteral("from"), QJsonArray::fromStringList(current) },
                                             { QStringLiteral("to"), QJsonArray::fromStringList(*newRoles) } });
            }
        }
        if (Result<void> audited = audit(QStringLiteral("admin.user.updated"), userId, actorId, origin, details);
            !audited)
            return audited.error();
        if (Result<void> committed = tx->commit(); !committed)
            return committed.error();
    }
    return summary(userId);
}

Result<void> UserAdministration::remove(const QString& userId, const QString& actorId, const RequestOrigin& origin)
{
    Result<Transaction> tx = Transaction::begin(m_database);
    if (!tx)
        return tx.error();
    Result<User> user = existing(userId);
    if (!user)
        return user.error();
    Result<QStringList> roles = m_users.roles(userId);
    if (!roles)
        return roles.error();
    if (Result<void> kept = keepAnAdmin(*user, *roles, false, false); !kept)
        return kept;
    // The rows go with the user (ON DELETE CASCADE); the revocation is what stops its live access tokens.
    Result<int> revoked = m_revoke(userId, QStringLiteral("admin_deleted"), origin, {});
    if (!revoked)
        return revoked.error();
    if (Result<bool> removed = m_users.remove(userId); !removed)
        return removed.error();
    if (Result<void> audited = audit(QStringLiteral("admin.user.deleted"), userId, actorId, origin,
                                     { { QStringLiteral("email"), user->email },
                                       { QStringLiteral("roles"), QJsonArray::fromStringList(*roles) },
                                       { QStringLiteral("sessions_revoked"), *revoked } });
        !audited)
        return audited;
    return tx->commit();
}

Result<int> UserAdministration::logoutAll(const QString& userId, const QString& actorId, const RequestOrigin& origin)
{
    Result<Transaction> tx = Transaction::begin(m_database);
    if (!tx)
        return tx.error();
    Result<User> user = existing(userId);
    if (!user)
        return user.error();
    Result<int> revoked = m_revoke(userId, QStringLiteral("admin_logout_all"), origin, {});
    if (!revoked)
        return revoked.error();
    if (Result<void> audited = audit(QStringLiteral("admin.user.logged_out"), userId, actorId, origin,
                                     { { QStringLiteral("sessions_revoked"), *revoked } });
        !audited)
        return audited.error();
    if (Result<void> committed = tx->commit(); !committed)
        return committed.error();
    return revoked;
}

Result<void> UserAdministration::sendPasswordReset(const QString& userId, const QString& actorId,
                                                   const RequestOrigin& origin)
{
    {
        Result<Transaction> tx = Transaction::begin(m_database);
        if (!tx)
            return tx.error();
        Result<User> user = existing(userId);
        if (!user)
            return user.error();
        if (Result<void> mailed = m_accounts.mailPasswordReset(*user); !mailed)
            return mailed;
        if (Result<void> audited = audit(QStringLiteral("admin.user.password_reset"), userId, actorId, origin, {});
            !audited)
            return audited;
        if (Result<void> committed = tx->commit(); !committed)
            return committed;
    }
    m_accounts.wakeMail();
    return success();
}

Result<bool> UserAdministration::unlock(const QString& userId, const QString& actorId, const RequestOrigin& origin)
{
    if (Result<User> user = existing(userId); !user)
        return user.error();
    return m_unlock(userId, actorId, origin);
}

} // namespace authshield::server
