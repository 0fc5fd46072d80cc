#include "server/rbac/RoleCatalog.h"

#include "server/storage/Database.h"
#include "server/storage/SqlQuery.h"

namespace authshield::server {

RoleCatalog::RoleCatalog(const Database& database)
    : m_database(database)
{
}

Result<void> RoleCatalog::reload()
{
    QHash<QString, QSet<QString>> table;
    SqlQuery roles = m_database.prepare(QStringLiteral("SELECT name FROM roles"));
    if (Result<void> executed = roles.exec(); !executed)
        return executed;
    while (roles.next())
        table.insert(roles.string(0), {});
    SqlQuery grants = m_database.prepare(QStringLiteral("SELECT role, permission FROM role_permissions"));
    if (Result<void> executed = grants.exec(); !executed)
        return executed;
    while (grants.next())
        table[grants.string(0)].insert(grants.string(1));

    QWriteLocker locker(&m_lock);
    m_permissions = std::move(table);
    return success();
}

QSet<QString> RoleCatalog::permissionsFor(const QStringList& roles) const
{
    QSet<QString> permissions;
    QReadLocker locker(&m_lock);
    for (const QString& role : roles)
        permissions.unite(m_permissions.value(role));
    return permissions;
}

bool RoleCatalog::hasRole(const QString& role) const
{
    QReadLocker locker(&m_lock);
    return m_permissions.contains(role);
}

QStringList RoleCatalog::roleNames() const
{
    QReadLocker locker(&m_lock);
    QStringList names = m_permissions.keys();
    names.sort();
    return names;
}

} // namespace authshield::server
