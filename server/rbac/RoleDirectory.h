#pragma once

#include "server/audit/AuditEvent.h"
#include "shared/Result.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace authshield::server {

class AuditLog;
class Clock;
class Database;
class RoleCatalog;

struct RoleInfo
{
    QString name;
    QString description;
    bool builtin = false;
    QStringList permissions; // sorted
    qint64 userCount = 0;
};

struct PermissionInfo
{
    QString name;
    QString description;
};

struct RoleChange
{
    std::optional<QString> newName;
    std::optional<QString> description;
    std::optional<QStringList> permissions;
};

// Editing roles and their permissions (tables roles, role_permissions). Every change is audited in its
// transaction (admin.role.created/updated/deleted) and reloads this instance's RoleCatalog; other instances
// pick it up with their periodic reload. The builtin roles admin and user cannot be renamed or deleted, and
// admin always keeps every permission, so the site cannot lose its administrators this way.
class RoleDirectory
{
public:
    RoleDirectory(const Database& database, const Clock& clock, const AuditLog& audit, RoleCatalog& catalog);

    Result<QList<RoleInfo>> roles() const;
    Result<std::optional<RoleInfo>> role(const QString& name) const;
    Result<QList<PermissionInfo>> permissions() const;

    // ValidationFailed (fields name, permissions), Conflict when the name is taken.
    Result<RoleInfo> create(const QString& name, const QString& description, const QStringList& permissions,
                            const QString& actorId, const RequestOrigin& origin);
    Result<RoleInfo> update(const QString& name, const RoleChange& change, const QString& actorId,
                            const RequestOrigin& origin);
    // RoleInUse while assigned unless force (then the assignments go too); Forbidden-like Conflict for builtins.
    Result<void> remove(const QString& name, bool force, const QString& actorId, const RequestOrigin& origin);

    static bool isValidName(const QString& name);

private:
    Result<void> checkPermissions(const QStringList& wanted) const;
    Result<void> setPermissions(const QString& role, const QStringList& granted) const;
    Result<void> audit(const QString& type, const QString& role, const QString& actorId, const RequestOrigin& origin,
                       QJsonObject details) const;

    const Database& m_database;
    const Clock& m_clock;
    const AuditLog& m_audit;
    RoleCatalog& m_catalog;
};

} // namespace authshield::server
