#include "server/rbac/RoleDirectory.h"

#include "server/accounts/AdminErrors.h"
#include "server/audit/AuditLog.h"
#include "server/core/Clock.h"
#include "server/rbac/RoleCatalog.h"
#include "server/storage/Database.h"
#include "server/storage/SqlQuery.h"
#include "server/storage/Transaction.h"

#include <QJsonArray>
#include <QRegularExpression>
#include <QSet>

namespace authshield::server {

namespace {
const QString kAdmin = QStringLiteral("admin");
const QString kUser = QStringLiteral("user");

Error invalidField(const QString& field, const QString& reason)
{
    Error error = Error::make(ErrorCode::ValidationFailed, QStringLiteral("the role is not valid"));
    error.fields.insert(field, reason);
    return error;
}
} // namespace

RoleDirectory::RoleDirectory(const Database& database, const Clock& clock, const AuditLog& audit,
                             RoleCatalog& catalog)
    : m_database(database)
    , m_clock(clock)
    , m_audit(audit)
    , m_catalog(catalog)
{
}

bool RoleDirectory::isValidName(const QString& name)
{
    static const QRegularExpression pattern(QStringLiteral("^[a-z][a-z0-9_.-]{0,63}$"));
    return pattern.match(name).hasMatch();
}

Result<QList<RoleInfo>> RoleDirectory::roles() const
{
    SqlQuery rows = m_database.prepare(QStringLiteral(
        "SELECT r.name, r.description, r.builtin, (SELECT COUNT(*) FROM user_roles ur WHERE ur.role = r.name) "
        "FROM roles r ORDER BY r.name"));
    if (Result<void> read = rows.exec(); !read)
        return read.error();
    QList<RoleInfo> roles;
    QHash<QString, qsizetype> index;
    while (rows.next()) {
        index.insert(rows.string(0), roles.size());
        roles.append(RoleInfo { rows.string(0), rows.string(1), rows.boolean(2), {}, rows.int64(3) });
    }
    SqlQuery grants = m_database.prepare(
        QStringLiteral("SELECT role, permission FROM role_permissions ORDER BY role, permission"));
    if (Result<void> read = grants.exec(); !read)
        return read.error();
    while (grants.next()) {
        const auto found = index.constFind(grants.string(0));
        if (found != index.constEnd())
            roles[*found].permissions.append(grants.string(1));
    }
    return roles;
}

Result<std::optional<RoleInfo>> RoleDirectory::role(const QString& name) const
{
    Result<QList<RoleInfo>> all = roles();
    if (!all)
        return all.error();
    for (const RoleInfo& info : std::as_const(*all))
        if (info.name == name)
            return std::optional<RoleInfo>(info);
    return std::optional<RoleInfo>();
}

Result<QList<PermissionInfo>> RoleDirectory::permissions() const
{
    SqlQuery rows = m_database.prepare(QStringLiteral("SELECT name, description FROM permissions ORDER BY name"));
    if (Result<void> read = rows.exec(); !read)
        return read.error();
    QList<PermissionInfo> permissions;
    while (rows.next())
        permissions.append(PermissionInfo { rows.string(0), rows.string(1) });
    return permissions;
}

Result<void> RoleDirectory::checkPermissions(const QStringList& wanted) const
{
    Result<QList<PermissionInfo>> known = permissions();
    if (!known)
        return known.error();
    QSet<QString> names;
    for (const PermissionInfo& info : std::as_const(*known))
        names.insert(info.name);
    for (const QString& permission : wanted)
        if (!names.contains(permission))
            return invalidField(QStringLiteral("permissions"), QStringLiteral("unknown permission: %1").arg(permission));
    return success();
}

Result<void> RoleDirectory::setPermissions(const QString& role, const QStringList& granted) const
{
    SqlQuery clear = m_database.prepare(QStringLiteral("DELETE FROM role_permissions WHERE role = :role"));
    clear.bind(QStringLiteral(":role"), role);
    if (Result<void> cleared = clear.exec(); !cleared)
        return cleared;
    const QStringList unique = QSet<QString>(granted.begin(), granted.end()).values();
    for (const QString& permission : unique) {
        SqlQuery grant = m_database.prepare(
            QStringLiteral("INSERT INTO role_permissions (role, permission) VALUES (:role, :permission)"));
        grant.bind(QStringLiteral(":role"), role).bind(QStringLiteral(":permission"), permission);
        if (Result<void> granted = grant.exec(); !granted)
            return granted;
    }
    return success();
}

Result<void> RoleDirectory::audit(const QString& type, const QString& role, const QString& actorId,
                                  const RequestOrigin& origin, QJsonObject details) const
{
    details.insert(QStringLiteral("role"), role);
    AuditEvent event { type, actorId, role, origin.ip, origin.userAgent, origin.requestId, QStringLiteral("success"),
                       details };
    Result<qint64> recorded = m_audit.record(event);
    if (!recorded)
        return recorded.error();
    return success();
}

Result<RoleInfo> RoleDirectory::create(const QString& name, const QString& description,
                                       const QStringList& granted, const QString& actorId,
                                       const RequestOrigin& origin)
{
    if (!isValidName(name))
        return invalidField(QStringLiteral("name"), QStringLiteral("lower-case letters, digits, . _ -; at most 64"));
    if (Result<void> checked = checkPermissions(granted); !checked)
        return checked.error();
    {
        Result<Transaction> tx = Transaction::begin(m_database);
        if (!tx)
            return tx.error();
        SqlQuery insert = m_database.prepare(QStringLiteral(
            "INSERT INTO roles (name, description, builtin, created_at) VALUES (:name, :description, :builtin, :now)"));
        insert.bind(QStringLiteral(":name"), name)
            .bind(QStringLiteral(":description"), description.isNull() ? QStringLiteral("") : description)
            .bindBool(QStringLiteral(":builtin"), false)
            .bind(QStringLiteral(":now"), m_clock.now().toMSecsSinceEpoch());
        if (Result<void> inserted = insert.exec(); !inserted) {
            if (inserted.error().code == ErrorCode::Conflict)
                return Error::make(ErrorCode::Conflict, QStringLiteral("a role with this name exists"));
            return inserted.error();
        }
        if (Result<void> stored = setPermissions(name, granted); !stored)
            return stored.error();
        if (Result<void> audited = audit(QStringLiteral("admin.role.created"), name, actorId, origin,
                                         { { QStringLiteral("permissions"), QJsonArray::fromStringList(granted) } });
            !audited)
            return audited.error();
        if (Result<void> committed = tx->commit(); !committed)
            return committed.error();
    }
    (void)m_catalog.reload();
    Result<std::optional<RoleInfo>> created = role(name);
    if (!created)
        return created.error();
    if (!created->has_value())
        return Error::make(ErrorCode::NotFound, QStringLiteral("the role was deleted meanwhile"));
    return **created;
}

Result<RoleInfo> RoleDirectory::update(const QString& name, const RoleChange& change, const QString& actorId,
                                       const RequestOrigin& origin)
{
    const bool builtin = name == kAdmin || name == kUser;
    if (change.newName && *change.newName != name) {
        if (builtin)
            return Error::make(ErrorCode::Conflict, QStringLiteral("the builtin roles admin and user cannot be renamed"));
        if (!isValidName(*change.newName))
            return invalidField(QStringLiteral("new_name"), QStringLiteral("lower-case letters, digits, . _ -; at most 64"));
    }
    if (change.permissions) {
        if (name == kAdmin)
            return Error::make(ErrorCode::Conflict, QStringLiteral("the admin role always has every permission"));
        if (Result<void> checked = checkPermissions(*change.permissions); !checked)
            return checked.error();
    }
    QString finalName = name;
    {
        Result<Transaction> tx = Transaction::begin(m_database);
        if (!tx)
            return tx.error();
        Result<std::optional<RoleInfo>> before = role(name);
        if (!before)
            return before.error();
        if (!before->has_value())
            return Error::make(ErrorCode::NotFound, QStringLiteral("no such role"));
        QJsonObject details;
        if (change.description) {
            SqlQuery describe = m_database.prepare(QStringLiteral("UPDATE roles SET description = :d WHERE name = :name"));
            describe.bind(QStringLiteral(":d"), *change.description).bind(QStringLiteral(":name"), name);
            if (Result<void> done = describe.exec(); !done)
                return done.error();
            details.insert(QStringLiteral("description"), *change.description);
        }
        if (change.permissions) {
            if (Result<void> granted = setPermissions(name, *change.permissions); !granted)
                return granted.error();
            details.insert(QStringLiteral("permissions_before"), QJsonArray::fromStringList((*before)->permissions));
            details.insert(QStringLiteral("permissions"), QJsonArray::fromStringList(*change.permissions));
        }
        if (change.newName && *change.newName != name) {
            // ON UPDATE CASCADE carries role_permissions and user_roles along.
            SqlQuery rename = m_database.prepare(QStringLiteral("UPDATE roles SET name = :new WHERE name = :name"));
            rename.bind(QStringLiteral(":new"), *change.newName).bind(QStringLiteral(":name"), name);
            if (Result<void> done = rename.exec(); !done) {
                if (done.error().code == ErrorCode::Conflict)
                    return Error::make(ErrorCode::Conflict, QStringLiteral("a role with the new name exists"));
                return done.error();
            }
            details.insert(QStringLiteral("new_name"), *change.newName);
            finalName = *change.newName;
        }
        if (Result<void> audited = audit(QStringLiteral("admin.role.updated"), name, actorId, origin, details); !audited)
            return audited.error();
        if (Result<void> committed = tx->commit(); !committed)
            return committed.error();
    }
    (void)m_catalog.reload();
    Result<std::optional<RoleInfo>> after = role(finalName);
    if (!after)
        return after.error();
    if (!after->has_value())
        return Error::make(ErrorCode::NotFound, QStringLiteral("the role was deleted meanwhile"));
    return **after;
}

Result<void> RoleDirectory::remove(const QString& name, bool force, const QString& actorId,
                                   const RequestOrigin& origin)
{
    {
        Result<Transaction> tx = Transaction::begin(m_database);
        if (!tx)
            return tx.error();
        Result<std::optional<RoleInfo>> existing = role(name);
        if (!existing)
            return existing.error();
        if (!existing->has_value())
            return Error::make(ErrorCode::NotFound, QStringLiteral("no such role"));
        if ((*existing)->builtin && (name == kAdmin || name == kUser))
            return Error::make(ErrorCode::Conflict, QStringLiteral("the builtin roles admin and user cannot be deleted"));
        if ((*existing)->userCount > 0 && !force)
            return conflictWithCode(QStringLiteral("role_in_use"),
                               QStringLiteral("the role is assigned to %1 users; delete with force=true to "
                                              "remove the assignments too")
                                   .arg((*existing)->userCount));
        SqlQuery unassign = m_database.prepare(QStringLiteral("DELETE FROM user_roles WHERE role = :name"));
        unassign.bind(QStringLiteral(":name"), name);
        if (Result<void> done = unassign.exec(); !done)
            return done;
        SqlQuery drop = m_database.prepare(QStringLiteral("DELETE FROM roles WHERE name = :name"));
        drop.bind(QStringLiteral(":name"), name);
        if (Result<void> done = drop.exec(); !done)
            return done;
        if (Result<void> audited = audit(QStringLiteral("admin.role.deleted"), name, actorId, origin,
                                         { { QStringLiteral("forced"), force },
                                           { QStringLiteral("unassigned_users"), (*existing)->userCount } });
            !audited)
            return audited;
        if (Result<void> committed = tx->commit(); !committed)
            return committed;
    }
    (void)m_catalog.reload();
    return success();
}

} // namespace authshield::server
