#pragma once

#include "shared/Result.h"

#include <QHash>
#include <QReadWriteLock>
#include <QSet>
#include <QString>
#include <QStringList>

namespace authshield::server {

class Database;

// Role → permissions, read from roles/role_permissions and kept in memory, because the auth guard needs the
// permissions of every request's roles and must not ask the database for them. reload() swaps the whole table
// atomically (after an admin edits roles, or periodically so other instances' edits are picked up).
// Thread-safe.
class RoleCatalog
{
public:
    explicit RoleCatalog(const Database& database);

    Result<void> reload();

    // Union of the permissions of the given roles; unknown roles grant nothing.
    QSet<QString> permissionsFor(const QStringList& roles) const;
    bool hasRole(const QString& role) const;
    QStringList roleNames() const;

private:
    const Database& m_database;
    mutable QReadWriteLock m_lock;
    QHash<QString, QSet<QString>> m_permissions;
};

} // namespace authshield::server
