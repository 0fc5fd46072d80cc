#pragma once

#include "server/accounts/User.h"
#include "shared/Result.h"

#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

namespace authshield::server {

class Clock;
class Database;

// Lock state lives in the key-value store (AccountLockout), keyed by email: the directory asks through this.
// Returns the end of the lock, nullopt when the account is not locked.
using LockProbe = std::function<Result<std::optional<QDateTime>>(const QString& normalisedEmail)>;

struct UserFilter
{
    QString text; // q: case-insensitive substring of email or display name
    QString status; // "", active, disabled, locked, unverified
    QString role;
};

struct UserQuery
{
    UserFilter filter;
    bool sortByEmail = false; // else by creation time
    bool descending = false;
    int limit = 50;
    QString cursor;
};

struct UserSummary
{
    User user;
    QStringList roles;
    std::optional<QDateTime> lockedUntil;
};

struct UserPage
{
    QList<UserSummary> items;
    QString nextCursor; // empty on the last page
};

// The admin view of the user table: search, filters and keyset paging (stable under concurrent inserts:
// the cursor is the last row's (sort key, id), never an offset), counts, and one user with its lock state.
class UserDirectory
{
public:
    // How many recently locked accounts status=locked considers (locks are found through their audit events).
    static constexpr int kMaxLockedCandidates = 1000;

    UserDirectory(const Database& database, const Clock& clock, LockProbe lockProbe);

    // Error{ValidationFailed} with field status / cursor for an unknown status or a foreign cursor.
    Result<UserPage> search(const UserQuery& query) const;
    Result<qint64> count(const UserFilter& filter) const;
    Result<std::optional<UserSummary>> find(const QString& userId) const;
    Result<qint64> activeSessionCount(const QString& userId) const;
    // Currently locked users among those with a recent auth.lockout event (bounded, see kMaxLockedCandidates).
    Result<QStringList> lockedUserIds() const;

private:
    struct Where
    {
        QStringList clauses;
        QList<QPair<QString, QVariant>> binds;
        bool empty = false; // status=locked with nobody locked
    };
    Result<Where> where(const UserFilter& filter) const;
    Result<void> complete(QList<UserSummary>& users) const;

    const Database& m_database;
    const Clock& m_clock;
    LockProbe m_lockProbe;
};

} // namespace authshield::server
