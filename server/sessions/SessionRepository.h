#pragma once

#include "server/sessions/Session.h"
#include "shared/Result.h"

#include <QHash>
#include <QList>
#include <QStringList>

#include <optional>

namespace authshield::server {

class Database;

// Persistence of sessions (and the refresh-token rows that belong to them, which die with them). Joins a
// Transaction open on the calling thread.
class SessionRepository
{
public:
    explicit SessionRepository(const Database& database);

    Result<void> insert(const Session& session) const;
    // With a row lock (PostgreSQL) when inside a transaction that will change it.
    Result<std::optional<Session>> find(const QString& id, bool forUpdate = false) const;
    Result<QList<Session>> listActive(const QString& userId, const QDateTime& now) const;
    // Marks the session and its refresh tokens revoked; false when it was not active (already revoked, unknown).
    Result<bool> revoke(const QString& id, const QString& reason, const QDateTime& now) const;
    // Revokes every active session of the user except one; returns the ids revoked.
    Result<QStringList> revokeAll(const QString& userId, const QString& reason, const QDateTime& now,
                                  const QString& exceptId = {}) const;
    Result<void> extendIdle(const QString& id, const QDateTime& lastSeen, const QDateTime& idleExpiresAt) const;
    // session id → last seen (epoch ms), in one statement per row inside one transaction.
    Result<void> touch(const QHash<QString, qint64>& lastSeen) const;

private:
    const Database& m_database;
};

} // namespace authshield::server
