#include "console/api/AdminClient.h"

#include <QJsonArray>
#include <QUrl>

namespace authshield::console {

namespace {

const QString kAdmin = QStringLiteral("/api/v1/admin");

QString segment(const QString& value)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(value));
}

template<typename T>
AdminPage<T> pageOf(const QJsonDocument& body)
{
    AdminPage<T> page;
    const QJsonObject object = body.object();
    const QJsonArray items = object.value(QLatin1String("items")).toArray();
    page.items.reserve(items.size());
    for (const QJsonValue& item : items)
        page.items.append(T::fromJson(item.toObject()));
    page.nextCursor = object.value(QLatin1String("next_cursor")).toString();
    return page;
}

QString isoUtc(const QDateTime& time)
{
    return time.toUTC().toString(Qt::ISODateWithMs);
}

} // namespace

QUrlQuery UserQuery::filterQuery() const
{
    QUrlQuery query;
    if (!search.trimmed().isEmpty())
        query.addQueryItem(QStringLiteral("q"), QString::fromLatin1(QUrl::toPercentEncoding(search.trimmed())));
    if (!status.isEmpty())
        query.addQueryItem(QStringLiteral("status"), status);
    if (!role.isEmpty())
        query.addQueryItem(QStringLiteral("role"), QString::fromLatin1(QUrl::toPercentEncoding(role)));
    return query;
}

QUrlQuery UserQuery::pageQuery(int limit, const QString& cursor) const
{
    QUrlQuery query = filterQuery();
    query.addQueryItem(QStringLiteral("sort"), sortByEmail ? QStringLiteral("email") : QStringLiteral("created"));
    query.addQueryItem(QStringLiteral("order"), ascending ? QStringLiteral("asc") : QStringLiteral("desc"));
    query.addQueryItem(QStringLiteral("limit"), QString::number(limit));
    if (!cursor.isEmpty())
        query.addQueryItem(QStringLiteral("cursor"), QString::fromLatin1(QUrl::toPercentEncoding(cursor)));
    return query;
}

QUrlQuery AuditFilter::query() const
{
    QUrlQuery query;
    const auto add = [&query](const QString& key, const QString& value) {
        if (!value.trimmed().isEmpty())
            query.addQueryItem(key, QString::fromLatin1(QUrl::toPercentEncoding(value.trimmed())));
    };
    add(QStringLiteral("type"), type);
    add(QStringLiteral("actor"), actor);
    add(QStringLiteral("subject"), subject);
    add(QStringLiteral("ip"), ip);
    if (from.isValid())
        add(QStringLiteral("from"), isoUtc(from));
    if (to.isValid())
        add(QStringLiteral("to"), isoUtc(to));
    return query;
}

QString AdminClient::usersPath(const QString& id)
{
    return id.isEmpty() ? kAdmin + QStringLiteral("/users") : kAdmin + QStringLiteral("/users/") + segment(id);
}

void AdminClient::sendForNothing(const QByteArray& verb, const QString& path, const QUrlQuery& query,
                                 const QJsonDocument& body, const QObject* context, Done onDone, Fail onError)
{
    m_api->send(verb, path, query, body, context,
                [onDone = std::move(onDone)](const QJsonDocument&, int) { onDone(); }, std::move(onError));
}

void AdminClient::listUsers(const UserQuery& query, int limit, const QString& cursor, const QObject* context,
                            Got<AdminPage<AdminUser>> onPage, Fail onError)
{
    m_api->send(QByteArrayLiteral("GET"), usersPath(), query.pageQuery(limit, cursor), {}, context,
                [onPage = std::move(onPage)](const QJsonDocument& body, int) { onPage(pageOf<AdminUser>(body)); },
                std::move(onError));
}

void AdminClient::countUsers(const UserQuery& query, const QObject* context, Got<qint64> onTotal, Fail onError)
{
    m_api->send(QByteArrayLiteral("GET"), usersPath() + QStringLiteral("/count"), query.filterQuery(), {}, context,
                [onTotal = std::move(onTotal)](const QJsonDocument& body, int) {
                    onTotal(body.object().value(QLatin1String("total")).toInteger());
                },
                std::move(onError));
}

void AdminClient::user(const QString& id, const QObject* context, Got<AdminUser> onUser, Fail onError)
{
    m_api->send(QByteArrayLiteral("GET"), usersPath(id), {}, {}, context,
                [onUser = std::move(onUser)](const QJsonDocument& body, int) {
                    onUser(AdminUser::fromJson(body.object()));
                },
                std::move(onError));
}

void AdminClient::createUser(const QJsonObject& body, const QObject* context, Got<AdminUser> onCreated,
                             Fail onError)
{
    m_api->send(QByteArrayLiteral("POST"), usersPath(), {}, QJsonDocument(body), context,
                [onCreated = std::move(onCreated)](const QJsonDocument& answer, int) {
                    onCreated(AdminUser::fromJson(answer.object()));
                },
                std::move(onError));
}

void AdminClient::updateUser(const QString& id, const QJsonObject& change, const QObject* context, Done onDone,
                             Fail onError)
{
    sendForNothing(QByteArrayLiteral("PATCH"), usersPath(id), {}, QJsonDocument(change), context, std::move(onDone),
                   std::move(onError));
}

void AdminClient::deleteUser(const QString& id, const QObject* context, Done onDone, Fail onError)
{
    sendForNothing(QByteArrayLiteral("DELETE"), usersPath(id), {}, {}, context, std::move(onDone),
                   std::move(onError));
}

void AdminClient::userAction(const QString& id, const QString& action, const QObject* context, Done onDone,
                             Fail onError)
{
    // An empty object, not no body: the server's POST routes expect JSON.
    sendForNothing(QByteArrayLiteral("POST"), usersPath(id) + QLatin1Char('/') + action, {},
                   QJsonDocument(QJsonObject()), context, std::move(onDone), std::move(onError));
}

void AdminClient::userMfa(const QString& id, const QObject* context, Got<MfaState> onState, Fail onError)
{
    m_api->send(QByteArrayLiteral("GET"), usersPath(id) + QStringLiteral("/mfa"), {}, {}, context,
                [onState = std::move(onState)](const QJsonDocument& body, int) {
                    onState(MfaState::fromJson(body.object()));
                },
                std::move(onError));
}

void AdminClient::resetUserMfa(const QString& id, const QObject* context, Done onDone, Fail onError)
{
    sendForNothing(QByteArrayLiteral("POST"), usersPath(id) + QStringLiteral("/mfa/reset"), {},
                   QJsonDocument(QJsonObject()), context, std::move(onDone), std::move(onError));
}

void AdminClient::listSessions(const QString& userId, int limit, const QString& cursor, const QObject* context,
                               Got<AdminPage<AdminSession>> onPage, Fail onError)
{
    QUrlQuery query;
    if (!userId.isEmpty())
        query.addQueryItem(QStringLiteral("user"), userId);
    query.addQueryItem(QStringLiteral("active"), QStringLiteral("true"));
    query.addQueryItem(QStringLiteral("limit"), QString::number(limit));
    if (!cursor.isEmpty())
        query.addQueryItem(QStringLiteral("cursor"), QString::fromLatin1(QUrl::toPercentEncoding(cursor)));
    m_api->send(QByteArrayLiteral("GET"), kAdmin + QStringLiteral("/sessions"), query, {}, context,
                [onPage = std::move(onPage)](const QJsonDocument& body, int) {
                    onPage(pageOf<AdminSession>(body));
                },
                std::move(onError));
}

void AdminClient::userSessions(const QString& userId, const QObject* context, Got<QList<AdminSession>> onSessions,
                               Fail onError)
{
    m_api->send(QByteArrayLiteral("GET"), usersPath(userId) + QStringLiteral("/sessions"), {}, {}, context,
                [onSessions = std::move(onSessions)](const QJsonDocument& body, int) {
                    QList<AdminSession> active;
                    for (const AdminSession& session : pageOf<AdminSession>(body).items) {
                        if (session.active)
                            active.append(session);
                    }
                    onSessions(active);
                },
                std::move(onError));
}

void AdminClient::revokeSession(const QString& id, const QObject* context, Done onDone, Fail onError)
{
    sendForNothing(QByteArrayLiteral("DELETE"), kAdmin + QStringLiteral("/sessions/") + segment(id), {}, {}, context,
                   std::move(onDone), std::move(onError));
}

void AdminClient::listRoles(const QObject* context, Got<QList<AdminRole>> onRoles, Fail onError)
{
    m_api->send(QByteArrayLiteral("GET"), kAdmin + QStringLiteral("/roles"), {}, {}, context,
                [onRoles = std::move(onRoles)](const QJsonDocument& body, int) {
                    onRoles(pageOf<AdminRole>(body).items);
                },
                std::move(onError));
}

void AdminClient::listPermissions(const QObject* context, Got<QList<AdminPermission>> onPermissions, Fail onError)
{
    m_api->send(QByteArrayLiteral("GET"), kAdmin + QStringLiteral("/permissions"), {}, {}, context,
                [onPermissions = std::move(onPermissions)](const QJsonDocument& body, int) {
                    onPermissions(pageOf<AdminPermission>(body).items);
                },
                std::move(onError));
}

void AdminClient::createRole(const QString& name, const QString& description, const QStringList& permissions,
                             const QObject* context, Done onDone, Fail onError)
{
    QJsonObject body{{QStringLiteral("name"), name},
                     {QStringLiteral("permissions"), QJsonArray::fromStringList(permissions)}};
    if (!description.isEmpty())
        body.insert(QStringLiteral("description"), description);
    sendForNothing(QByteArrayLiteral("POST"), kAdmin + QStringLiteral("/roles"), {}, QJsonDocument(body), context,
                   std::move(onDone), std::move(onError));
}

void AdminClient::updateRole(const QString& name, const QJsonObject& change, const QObject* context, Done onDone,
                             Fail onError)
{
    sendForNothing(QByteArrayLiteral("PATCH"), kAdmin + QStringLiteral("/roles/") + segment(name), {},
                   QJsonDocument(change), context, std::move(onDone), std::move(onError));
}

void AdminClient::deleteRole(const QString& name, bool force, const QObject* context, Done onDone, Fail onError)
{
    QUrlQuery query;
    if (force)
        query.addQueryItem(QStringLiteral("force"), QStringLiteral("true"));
    sendForNothing(QByteArrayLiteral("DELETE"), kAdmin + QStringLiteral("/roles/") + segment(name), query, {},
                   context, std::move(onDone), std::move(onError));
}

void AdminClient::listAudit(const AuditFilter& filter, int limit, const QString& cursor, const QObject* context,
                            Got<AdminPage<AuditRecord>> onPage, Fail onError)
{
    QUrlQuery query = filter.query();
    query.addQueryItem(QStringLiteral("limit"), QString::number(limit));
    if (!cursor.isEmpty())
        query.addQueryItem(QStringLiteral("cursor"), QString::fromLatin1(QUrl::toPercentEncoding(cursor)));
    m_api->send(QByteArrayLiteral("GET"), kAdmin + QStringLiteral("/audit"), query, {}, context,
                [onPage = std::move(onPage)](const QJsonDocument& body, int) { onPage(pageOf<AuditRecord>(body)); },
                std::move(onError));
}

void AdminClient::verifyAudit(const QObject* context, Got<ChainVerification> onResult, Fail onError)
{
    m_api->send(QByteArrayLiteral("GET"), kAdmin + QStringLiteral("/audit/verify"), {}, {}, context,
                [onResult = std::move(onResult)](const QJsonDocument& body, int) {
                    onResult(ChainVerification::fromJson(body.object()));
                },
                std::move(onError));
}

QString AdminClient::auditExportPath()
{
    return kAdmin + QStringLiteral("/audit/export");
}

QUrlQuery AdminClient::auditExportQuery(const AuditFilter& filter, const QString& format)
{
    QUrlQuery query = filter.query();
    query.addQueryItem(QStringLiteral("format"), format);
    return query;
}

} // namespace authshield::console
