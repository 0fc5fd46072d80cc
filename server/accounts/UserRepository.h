#pragma once

#include "server/accounts/User.h"
#include "shared/Result.h"

#include <QStringList>

#include <optional>

namespace authshield::server {

class Clock;
class Database;

// Persistence of users and their role assignments. Every method runs on the calling thread's connection
// and joins a Transaction open on that thread.
class UserRepository
{
public:
    UserRepository(const Database& database, const Clock& clock);

    // Error{Conflict} when the email is taken.
    Result<User> create(const NewUser& user) const;
    Result<std::optional<User>> findById(const QString& id) const;
    Result<std::optional<User>> findByEmail(const QString& normalisedEmail) const;

    Result<void> updatePasswordHash(const QString& id, const QString& passwordHash) const; // also password_changed_at
    Result<void> updateDisplayName(const QString& id, const QString& displayName) const;
    Result<void> updateEmail(const QString& id, const QString& normalisedEmail) const; // Conflict when taken
    Result<void> setEmailVerified(const QString& id, bool verified) const;
    Result<void> setStatus(const QString& id, UserStatus status) const;
    Result<void> recordLogin(const QString& id) const;
    Result<bool> remove(const QString& id) const;

    Result<QStringList> roles(const QString& userId) const;
    Result<void> assignRole(const QString& userId, const QString& role) const;
    Result<void> removeRole(const QString& userId, const QString& role) const;
    // Active users holding the role (the last-admin rule counts admins who can still sign in).
    Result<qint64> countActiveWithRole(const QString& role) const;

private:
    Result<std::optional<User>> findOne(const QString& column, const QString& value) const;
    Result<void> touch(const QString& sql, const QString& id, const QVariant& value) const;

    const Database& m_database;
    const Clock& m_clock;
};

} // namespace authshield::server
