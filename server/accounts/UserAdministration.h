#pragma once

#include "server/accounts/AccountService.h"
#include "server/accounts/UserDirectory.h"
#include "server/accounts/UserRepository.h"
#include "server/audit/AuditEvent.h"
#include "shared/Result.h"

#include <QStringList>

#include <functional>
#include <optional>

namespace authshield::server {

class AuditLog;
class Clock;
class Database;

struct AdminNewUser
{
    QString email;
    QString displayName;
    std::optional<QString> password; // none: the user sets one through the invite link
    std::optional<QStringList> roles; // default ["user"]
    bool emailVerified = false;
    bool sendInvite = false;
};

struct AdminUserChange
{
    std::optional<QString> displayName;
    std::optional<UserStatus> status;
    std::optional<bool> emailVerified;
    std::optional<QStringList> roles; // the complete new set
};

// Lifts a lockout: AccountLockout::unlockUser, recording admin.user.unlocked.
using UserUnlocker = std::function<Result<bool>(const QString& userId, const QString& actorId, const RequestOrigin&)>;

// What an administrator does to accounts. Every change commits together with its audit event (admin.user.*,
// actor = the administrator, the request's id), its mail (outbox) and — for disabling, deleting and logout-all —
// the revocation of the user's sessions (their access tokens stop working at once on every instance). No change
// may leave the site without an active administrator (409 last_admin, the rule of AccountService::deleteAccount).
class UserAdministration
{
public:
    UserAdministration(const Database& database, const Clock& clock, const AuditLog& audit, AccountService& accounts,
                       const UserDirectory& directory, SessionRevoker revoker, UserUnlocker unlocker);

    // Slow when a password is given (Argon2id). ValidationFailed (email, display_name, password, roles), Conflict
    // when the email is taken.
    Result<UserSummary> create(const AdminNewUser& user, const QString& actorId, const RequestOrigin& origin);
    Result<UserSummary> update(const QString& userId, const AdminUserChange& change, const QString& actorId,
                               const RequestOrigin& origin);
    Result<void> remove(const QString& userId, const QString& actorId, const RequestOrigin& origin);
    Result<int> logoutAll(const QString& userId, const QString& actorId, const RequestOrigin& origin);
    Result<void> sendPasswordReset(const QString& userId, const QString& actorId, const RequestOrigin& origin);
    Result<bool> unlock(const QString& userId, const QString& actorId, const RequestOrigin& origin);

private:
    Result<User> existing(const QString& userId) const;
    Result<void> checkRoles(const QStringList& roles) const;
    // Refuses when the user is an active admin and the change leaves none.
    Result<void> keepAnAdmin(const User& user, const QStringList& currentRoles, bool staysActive,
                             bool keepsAdminRole) const;
    Result<void> audit(const QString& type, const QString& subjectId, const QString& actorId,
                       const RequestOrigin& origin, QJsonObject details) const;
    Result<UserSummary> summary(const QString& userId) const;

    const Database& m_database;
    const Clock& m_clock;
    const AuditLog& m_audit;
    AccountService& m_accounts;
    const UserDirectory& m_directory;
    UserRepository m_users;
    SessionRevoker m_revoke;
    UserUnlocker m_unlock;
};

} // namespace authshield::server
