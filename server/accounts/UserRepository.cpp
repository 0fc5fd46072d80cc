#include "server/accounts/UserRepository.h"

#include "server/accounts/UserViewCache.h"
#include "server/core/Clock.h"
#include "server/storage/Database.h"
#include "server/storage/SqlQuery.h"

#include <QUuid>

namespace authshield::server {

namespace {
const QString kColumns = QStringLiteral(
    "id, email, email_verified, password_hash, display_name, status, created_at, updated_at, last_login_at, "
    "password_changed_at");

QDateTime fromMs(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC);
}
} // namespace

QString userStatusName(UserStatus status)
{
    return status == UserStatus::Active ? QStringLiteral("active") : QStringLiteral("disabled");
}

std::optional<UserStatus> parseUserStatus(const QString& name)
{
    if (name == QLatin1String("active"))
        return UserStatus::Active;
    if (name == QLatin1String("disabled"))
        return UserStatus::Disabled;
    return std::nullopt;
}

UserRepository::UserRepository(const Database& database, const Clock& clock)
    : m_database(database)
    , m_clock(clock)
{
}

Result<User> UserRepository::create(const NewUser& user) const
{
    const qint64 now = m_clock.now().toMSecsSinceEpoch();
    const QString id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    SqlQuery insert = m_database.prepare(QStringLiteral(
        "INSERT INTO users (id, email, email_verified, password_hash, display_name, status, created_at, updated_at, "
        "password_changed_at) VALUES (:id, :email, :verified, :hash, :name, :status, :now, :now, :now)"));
    insert.bind(QStringLiteral(":id"), id).bind(QStringLiteral(":email"), user.email);
    insert.bindBool(QStringLiteral(":verified"), user.emailVerified);
    if (user.passwordHash.isEmpty())
        insert.bindNull(QStringLiteral(":hash"));
    else
        insert.bind(QStringLiteral(":hash"), user.passwordHash);
    // A null QString binds as SQL NULL; the column is NOT NULL with '' for "no name".
    insert.bind(QStringLiteral(":name"), user.displayName.isNull() ? QStringLiteral("") : user.displayName).bind(QStringLiteral(":status"), userStatusName(user.status));
    insert.bind(QStringLiteral(":now"), now);
    if (Result<void> inserted = insert.exec(); !inserted) {
        if (inserted.error().code == ErrorCode::Conflict)
            return Error::make(ErrorCode::Conflict, QStringLiteral("an account with this email already exists"));
        return inserted.error();
    }
    User created;
    created.id = id;
    created.email = user.email;
    created.emailVerified = user.emailVerified;
    created.passwordHash = user.passwordHash;
    created.displayName = user.displayName;
    created.status = user.status;
    created.createdAt = created.updatedAt = created.passwordChangedAt = fromMs(now);
    return created;
}

Result<std::optional<User>> UserRepository::findOne(const QString& column, const QString& value) const
{
    SqlQuery select = m_database.prepare(QStringLiteral("SELECT %1 FROM users WHERE %2 = :value").arg(kColumns, column));
    select.bind(QStringLiteral(":value"), value);
    if (Result<void> read = select.exec(); !read)
        return read.error();
    if (!select.next())
        return std::optional<User>();
    User user;
    user.id = select.uuid(0);
    user.email = select.string(1);
    user.emailVerified = select.boolean(2);
    user.passwordHash = select.string(3);
    user.displayName = select.string(4);
    user.status = parseUserStatus(select.string(5)).value_or(UserStatus::Disabled);
    user.createdAt = fromMs(select.int64(6));
    user.updatedAt = fromMs(select.int64(7));
    if (const auto last = select.optionalInt64(8))
        user.lastLoginAt = fromMs(*last);
    user.passwordChangedAt = fromMs(select.int64(9));
    return std::optional<User>(std::move(user));
}

Result<std::optional<User>> UserRepository::findById(const QString& id) const
{
    if (QUuid::fromString(id).isNull())
        return std::optional<User>(); // not an id we could have issued; PostgreSQL would reject the cast
    return findOne(QStringLiteral("id"), id);
}

Result<std::optional<User>> UserRepository::findByEmail(const QString& normalisedEmail) const
{
    return findOne(QStringLiteral("email"), normalisedEmail);
}

Result<void> UserRepository::touch(const QString& sql, const QString& id, const QVariant& value) const
{
    UserViewCache::instance().invalidate(id);
    SqlQuery update = m_database.prepare(sql);
    update.bind(QStringLiteral(":id"), id).bind(QStringLiteral(":now"), m_clock.now().toMSecsSinceEpoch());
    if (sql.contains(QLatin1String(":value")))
        update.bind(QStringLiteral(":value"), value);
    return update.exec();
}

Result<void> UserRepository::updatePasswordHash(const QString& id, const QString& passwordHash) const
{
    return touch(QStringLiteral("UPDATE users SET password_hash = :value, password_changed_at = :now, updated_at = :now "
                                "WHERE id = :id"),
                 id, passwordHash);
}

Result<void> UserRepository::updateDisplayName(const QString& id, const QString& displayName) const
{
    return touch(QStringLiteral("UPDATE users SET display_name = :value, updated_at = :now WHERE id = :id"), id,
                 displayName.isNull() ? QStringLiteral("") : displayName);
}

Result<void> UserRepository::updateEmail(const QString& id, const QString& normalisedEmail) const
{
    UserViewCache::instance().invalidate(id);
    // Only ever called once the new address was proven, so it is verified by construction.
    SqlQuery update = m_database.prepare(
        QStringLiteral("UPDATE users SET email = :email, email_verified = :verified, updated_at = :now WHERE id = :id"));
    update.bind(QStringLiteral(":id"), id).bind(QStringLiteral(":email"), normalisedEmail);
    update.bind(QStringLiteral(":now"), m_clock.now().toMSecsSinceEpoch()).bindBool(QStringLiteral(":verified"), true);
    Result<void> updated = update.exec();
    if (!updated && updated.error().code == ErrorCode::Conflict)
        return Error::make(ErrorCode::Conflict, QStringLiteral("an account with this email already exists"));
    return updated;
}

Result<void> UserRepository::setEmailVerified(const QString& id, bool verified) const
{
    UserViewCache::instance().invalidate(id);
    SqlQuery update = m_database.prepare(
        QStringLiteral("UPDATE users SET email_verified = :value, updated_at = :now WHERE id = :id"));
    update.bind(QStringLiteral(":id"), id).bind(QStringLiteral(":now"), m_clock.now().toMSecsSinceEpoch());
    update.bindBool(QStringLiteral(":value"), verified);
    return update.exec();
}

Result<void> UserRepository::setStatus(const QString& id, UserStatus status) const
{
    return touch(QStringLiteral("UPDATE users SET status = :value, updated_at = :now WHERE id = :id"), id,
                 userStatusName(status));
}

Result<void> UserRepository::recordLogin(const QString& id) const
{
    return touch(QStringLiteral("UPDATE users SET last_login_at = :now WHERE id = :id"), id, {});
}

Result<bool> UserRepository::remove(const QString& id) const
{
    UserViewCache::instance().invalidate(id);
    SqlQuery remove = m_database.prepare(QStringLiteral("DELETE FROM users WHERE id = :id"));
    remove.bind(QStringLiteral(":id"), id);
    if (Result<void> removed = remove.exec(); !removed)
        return removed.error();
    return remove.rowsAffected() > 0;
}

Result<QStringList> UserRepository::roles(const QString& userId) const
{
    SqlQuery select = m_database.prepare(QStringLiteral("SELECT role FROM user_roles WHERE user_id = :id ORDER BY role"));
    select.bind(QStringLiteral(":id"), userId);
    if (Result<void> read = select.exec(); !read)
        return read.error();
    QStringList roles;
    while (select.next())
        roles.append(select.string(0));
    return roles;
}

Result<void> UserRepository::assignRole(const QString& userId, const QString& role) const
{
    UserViewCache::instance().invalidate(userId);
    SqlQuery insert = m_database.prepare(QStringLiteral(
        "INSERT INTO user_roles (user_id, role) VALUES (:id, :role) ON CONFLICT (user_id, role) DO NOTHING"));
    insert.bind(QStringLiteral(":id"), userId).bind(QStringLiteral(":role"), role);
    return insert.exec();
}

Result<void> UserRepository::removeRole(const QString& userId, const QString& role) const
{
    UserViewCache::instance().invalidate(userId);
    SqlQuery remove = m_database.prepare(QStringLiteral("DELETE FROM user_roles WHERE user_id = :id AND role = :role"));
    remove.bind(QStringLiteral(":id"), userId).bind(QStringLiteral(":role"), role);
    return remove.exec();
}

Result<qint64> UserRepository::countActiveWithRole(const QString& role) const
{
    SqlQuery count = m_database.prepare(QStringLiteral(
        "SELECT COUNT(*) FROM user_roles r JOIN users u ON u.id = r.user_id WHERE r.role = :role AND u.status = 'active'"));
    count.bind(QStringLiteral(":role"), role);
    if (Result<void> read = count.exec(); !read)
        return read.error();
    return count.next() ? count.int64(0) : 0;
}

} // namespace authshield::server
