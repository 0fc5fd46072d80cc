#include "server/accounts/UserDirectory.h"

#include "server/core/Clock.h"
#include "server/storage/Database.h"
#include "server/storage/PageCursor.h"
#include "server/storage/SqlDialect.h"
#include "server/storage/SqlQuery.h"

#include <QHash>
#include <QUuid>

namespace authshield::server {

namespace {
const QString kColumns = QStringLiteral(
    "id, email, email_verified, display_name, status, created_at, updated_at, last_login_at, password_changed_at");
// Lockouts older than this have ended (the longest escalated lock is far shorter).
constexpr qint64 kLockLookbackMs = 30LL * 24 * 3600 * 1000;

QDateTime fromMs(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC);
}

User readUser(const SqlQuery& row)
{
    User user;
    user.id = row.uuid(0);
    user.email = row.string(1);
    user.emailVerified = row.boolean(2);
    user.displayName = row.string(3);
    user.status = parseUserStatus(row.string(4)).value_or(UserStatus::Disabled);
    user.createdAt = fromMs(row.int64(5));
    user.updatedAt = fromMs(row.int64(6));
    if (const std::optional<qint64> last = row.optionalInt64(7))
        user.lastLoginAt = fromMs(*last);
    user.passwordChangedAt = fromMs(row.int64(8));
    return user;
}

QString placeholders(const QString& prefix, qsizetype count)
{
    QStringList names;
    for (qsizetype i = 0; i < count; ++i)
        names.append(QStringLiteral(":%1%2").arg(prefix).arg(i));
    return names.join(QLatin1Char(','));
}

bool isUuid(const QString& text)
{
    return !QUuid::fromString(text).isNull();
}
} // namespace

UserDirectory::UserDirectory(const Database& database, const Clock& clock, LockProbe lockProbe)
    : m_database(database)
    , m_clock(clock)
    , m_lockProbe(std::move(lockProbe))
{
}

Result<QStringList> UserDirectory::lockedUserIds() const
{
    SqlQuery recent = m_database.prepare(QStringLiteral(
        "SELECT subject_id FROM audit_events WHERE type = 'auth.lockout' AND time >= :since AND subject_id <> '' "
        "GROUP BY subject_id ORDER BY MAX(time) DESC LIMIT %1")
                                             .arg(kMaxLockedCandidates));
    recent.bind(QStringLiteral(":since"), m_clock.now().toMSecsSinceEpoch() - kLockLookbackMs);
    if (Result<void> read = recent.exec(); !read)
        return read.error();
    QStringList candidates;
    while (recent.next())
        if (isUuid(recent.string(0)))
            candidates.append(recent.string(0));
    QStringList locked;
    if (candidates.isEmpty())
        return locked;
    SqlQuery emails = m_database.prepare(
        QStringLiteral("SELECT id, email FROM users WHERE id IN (%1)").arg(placeholders(QStringLiteral("c"), candidates.size())));
    for (qsizetype i = 0; i < candidates.size(); ++i)
        emails.bind(QStringLiteral(":c%1").arg(i), candidates.at(i));
    if (Result<void> read = emails.exec(); !read)
        return read.error();
    while (emails.next()) {
        const Result<std::optional<QDateTime>> until = m_lockProbe(emails.string(1));
        if (!until)
            return until.error();
        if (until->has_value())
            locked.append(emails.uuid(0));
    }
    return locked;
}

Result<UserDirectory::Where> UserDirectory::where(const UserFilter& filter) const
{
    Where where;
    if (!filter.text.isEmpty()) {
        // lower() on both sides: PostgreSQL's trigram indexes (migration 0003) are on lower(email/display_name).
        where.clauses.append(QStringLiteral(
            "(lower(email) LIKE :q ESCAPE '\\' OR lower(display_name) LIKE :q ESCAPE '\\')"));
        where.binds.append({ QStringLiteral(":q"),
                             QStringLiteral("%") + SqlDialect::escapeLike(filter.text.toLower()) + QStringLiteral("%") });
    }
    if (filter.status == QLatin1String("active") || filter.status == QLatin1String("disabled")) {
        where.clauses.append(QStringLiteral("status = :status"));
        where.binds.append({ QStringLiteral(":status"), filter.status });
    } else if (filter.status == QLatin1String("unverified")) {
        where.clauses.append(QStringLiteral("email_verified = :verified"));
        where.binds.append({ QStringLiteral(":verified"), m_database.dialect().boolValue(false) });
    } else if (filter.status == QLatin1String("locked")) {
        Result<QStringList> locked = lockedUserIds();
        if (!locked)
            return locked.error();
        if (locked->isEmpty())
            where.empty = true;
        where.clauses.append(QStringLiteral("id IN (%1)").arg(placeholders(QStringLiteral("l"), qMax<qsizetype>(1, locked->size()))));
        for (qsizetype i = 0; i < qMax<qsizetype>(1, locked->size()); ++i)
            where.binds.append({ QStringLiteral(":l%1").arg(i),
                                 locked->isEmpty() ? QStringLiteral("00000000-0000-0000-0000-000000000000") : locked->at(i) });
    } else if (!filter.status.isEmpty()) {
        Error error = Error::make(ErrorCode::ValidationFailed, QStringLiteral("unknown status filter"));
        error.fields.insert(QStringLiteral("status"), QStringLiteral("must be active, disabled, locked or unverified"));
        return error;
    }
    if (!filter.role.isEmpty()) {
        where.clauses.append(
            QStringLiteral("EXISTS (SELECT 1 FROM user_roles ur WHERE ur.user_id = users.id AND ur.role = :role)"));
        where.binds.append({ QStringLiteral(":role"), filter.role });
    }
    return where;
}

Result<UserPage> UserDirectory::search(const UserQuery& query) const
{
    Result<Where> built = where(query.filter);
    if (!built)
        return built.error();
    Where filter = std::move(built).value();
    const QString sortName = query.sortByEmail ? QStringLiteral("email") : QStringLiteral("created");
    const QString orderName = query.descending ? QStringLiteral("desc") : QStringLiteral("asc");
    const QString keyColumn = query.sortByEmail ? QStringLiteral("email") : QStringLiteral("created_at");
    if (!query.cursor.isEmpty()) {
        Result<QJsonObject> position = PageCursor::decode(query.cursor);
        if (!position)
            return position.error();
        const QJsonValue key = position->value(QStringLiteral("k"));
        const QString id = position->value(QStringLiteral("i")).toString();
        if (position->value(QStringLiteral("s")).toString() != sortName
            || position->value(QStringLiteral("o")).toString() != orderName || !isUuid(id)
            || (query.sortByEmail ? !key.isString() : !key.isDouble()))
            return PageCursor::invalid();
        filter.clauses.append(QStringLiteral("(%1, id) %2 (:ck, :ci)").arg(keyColumn, query.descending ? QStringLiteral("<") : QStringLiteral(">")));
        filter.binds.append({ QStringLiteral(":ck"), query.sortByEmail ? QVariant(key.toString()) : QVariant(key.toInteger()) });
        filter.binds.append({ QStringLiteral(":ci"), id });
    }
    UserPage page;
    if (filter.empty)
        return page;
    const QString direction = query.descending ? QStringLiteral("DESC") : QStringLiteral("ASC");
    QString sql = QStringLiteral("SELECT %1 FROM users").arg(kColumns);
    if (!filter.clauses.isEmpty())
        sql += QStringLiteral(" WHERE ") + filter.clauses.join(QStringLiteral(" AND "));
    sql += QStringLiteral(" ORDER BY %1 %2, id %2 LIMIT %3").arg(keyColumn, direction).arg(query.limit + 1);
    SqlQuery select = m_database.prepare(sql);
    for (const auto& [name, value] : std::as_const(filter.binds))
        select.bind(name, value);
    if (Result<void> read = select.exec(); !read)
        return read.error();
    while (select.next())
        page.items.append(UserSummary { readUser(select), {}, std::nullopt });
    if (page.items.size() > query.limit) {
        page.items.removeLast();
        const User& last = page.items.constLast().user;
        page.nextCursor = PageCursor::encode(
            QJsonObject { { QStringLiteral("s"), sortName },
                          { QStringLiteral("o"), orderName },
                          { QStringLiteral("k"), query.sortByEmail ? QJsonValue(last.email)
                                                                   : QJsonValue(last.createdAt.toMSecsSinceEpoch()) },
                          { QStringLiteral("i"), last.id } });
    }
    if (Result<void> completed = complete(page.items); !completed)
        return completed.error();
    return page;
}

Result<void> UserDirectory::complete(QList<UserSummary>& users) const
{
    if (users.isEmpty())
        return success();
    QHash<QString, qsizetype> index;
    for (qsizetype i = 0; i < users.size(); ++i)
        index.insert(users.at(i).user.id, i);
    SqlQuery roles = m_database.prepare(QStringLiteral("SELECT user_id, role FROM user_roles WHERE user_id IN (%1) "
                                                       "ORDER BY role")
                                            .arg(placeholders(QStringLiteral("u"), users.size())));
    for (qsizetype i = 0; i < users.size(); ++i)
        roles.bind(QStringLiteral(":u%1").arg(i), users.at(i).user.id);
    if (Result<void> read = roles.exec(); !read)
        return read.error();
    while (roles.next()) {
        const auto found = index.constFind(roles.uuid(0));
        if (found != index.constEnd())
            users[*found].roles.append(roles.string(1));
    }
    for (UserSummary& summary : users) {
        Result<std::optional<QDateTime>> until = m_lockProbe(summary.user.email);
        if (!until)
            return until.error();
        summary.lockedUntil = *until;
    }
    return success();
}

Result<qint64> UserDirectory::count(const UserFilter& filter) const
{
    Result<Where> built = where(filter);
    if (!built)
        return built.error();
    if (built->empty)
        return qint64(0);
    QString sql = QStringLiteral("SELECT COUNT(*) FROM users");
    if (!built->clauses.isEmpty())
        sql += QStringLiteral(" WHERE ") + built->clauses.join(QStringLiteral(" AND "));
    SqlQuery select = m_database.prepare(sql);
    for (const auto& [name, value] : std::as_const(built->binds))
        select.bind(name, value);
    if (Result<void> read = select.exec(); !read)
        return read.error();
    return select.next() ? select.int64(0) : qint64(0);
}

Result<std::optional<UserSummary>> UserDirectory::find(const QString& userId) const
{
    if (!isUuid(userId))
        return std::optional<UserSummary>();
    SqlQuery select = m_database.prepare(QStringLiteral("SELECT %1 FROM users WHERE id = :id").arg(kColumns));
    select.bind(QStringLiteral(":id"), userId);
    if (Result<void> read = select.exec(); !read)
        return read.error();
    if (!select.next())
        return std::optional<UserSummary>();
    QList<UserSummary> one { UserSummary { readUser(select), {}, std::nullopt } };
    if (Result<void> completed = complete(one); !completed)
        return completed.error();
    return std::optional<UserSummary>(one.first());
}

Result<qint64> UserDirectory::activeSessionCount(const QString& userId) const
{
    SqlQuery select = m_database.prepare(QStringLiteral(
        "SELECT COUNT(*) FROM sessions WHERE user_id = :id AND revoked_at IS NULL AND expires_at > :now "
        "AND idle_expires_at > :now"));
    select.bind(QStringLiteral(":id"), userId).bind(QStringLiteral(":now"), m_clock.now().toMSecsSinceEpoch());
    if (Result<void> read = select.exec(); !read)
        return read.error();
    return select.next() ? select.int64(0) : qint64(0);
}

} // namespace authshield::server
