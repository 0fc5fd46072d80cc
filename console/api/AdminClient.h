#pragma once

#include "console/api/ApiClient.h"
#include "console/models/AdminRecords.h"

#include <QDateTime>
#include <QJsonObject>
#include <QUrlQuery>

#include <functional>

namespace authshield::console {

// Which users a list or count asks for; the same filters go to /admin/users and /admin/users/count.
struct UserQuery
{
    QString search; // q: email / display name prefix or substring
    QString status; // "", active, disabled, locked, unverified
    QString role;
    bool sortByEmail = false; // otherwise by creation time
    bool ascending = false;

    QUrlQuery filterQuery() const;
    QUrlQuery pageQuery(int limit, const QString& cursor) const;
    bool operator==(const UserQuery& other) const = default;
};

struct AuditFilter
{
    QString type;
    QString actor;
    QString subject;
    QString ip;
    QDateTime from; // invalid = open
    QDateTime to;

    QUrlQuery query() const;
    bool operator==(const AuditFilter& other) const = default;
};

// Typed requests for the admin API (/api/v1/admin), built on ApiClient::send. Each call ends in exactly one of its
// two callbacks, later, unless `context` dies first.
class AdminClient
{
public:
    using Done = std::function<void()>;
    using Fail = ApiClient::ErrorHandler;
    template<typename T>
    using Got = std::function<void(const T&)>;

    explicit AdminClient(ApiClient* api)
        : m_api(api)
    {
    }

    ApiClient* api() const { return m_api; }

    void listUsers(const UserQuery& query, int limit, const QString& cursor, const QObject* context,
                   Got<AdminPage<AdminUser>> onPage, Fail onError);
    void countUsers(const UserQuery& query, const QObject* context, Got<qint64> onTotal, Fail onError);
    void user(const QString& id, const QObject* context, Got<AdminUser> onUser, Fail onError);
    // body: {email, display_name?, password?, roles?, email_verified?, send_invite?}; 422 carries fields.
    void createUser(const QJsonObject& body, const QObject* context, Got<AdminUser> onCreated, Fail onError);
    // change: {display_name?, status?, email_verified?, roles?}
    void updateUser(const QString& id, const QJsonObject& change, const QObject* context, Done onDone, Fail onError);
    void deleteUser(const QString& id, const QObject* context, Done onDone, Fail onError);
    // action: "unlock", "logout-all" or "password-reset"
    void userAction(const QString& id, const QString& action, const QObject* context, Done onDone, Fail onError);
    void userMfa(const QString& id, const QObject* context, Got<MfaState> onState, Fail onError);
    void resetUserMfa(const QString& id, const QObject* context, Done onDone, Fail onError);

    // userId empty = every user's active sessions.
    void listSessions(const QString& userId, int limit, const QString& cursor, const QObject* context,
                      Got<AdminPage<AdminSession>> onPage, Fail onError);
    void userSessions(const QString& userId, const QObject* context, Got<QList<AdminSession>> onSessions,
                      Fail onError);
    void revokeSession(const QString& id, const QObject* context, Done onDone, Fail onError);

    void listRoles(const QObject* context, Got<QList<AdminRole>> onRoles, Fail onError);
    void listPermissions(const QObject* context, Got<QList<AdminPermission>> onPermissions, Fail onError);
    void createRole(const QString& name, const QString& description, const QStringList& permissions,
                    const QObject* context, Done onDone, Fail onError);
    // change: {new_name?, description?, permissions?}
    void updateRole(const QString& name, const QJsonObject& change, const QObject* context, Done onDone,
                    Fail onError);
    void deleteRole(const QString& name, bool force, const QObject* context, Done onDone, Fail onError);

    void listAudit(const AuditFilter& filter, int limit, const QString& cursor, const QObject* context,
                   Got<AdminPage<AuditRecord>> onPage, Fail onError);
    void verifyAudit(const QObject* context, Got<ChainVerification> onResult, Fail onError);
    static QString auditExportPath();
    static QUrlQuery auditExportQuery(const AuditFilter& filter, const QString& format); // "csv" | "ndjson"

    static QString usersPath(const QString& id = {});

private:
    void sendForNothing(const QByteArray& verb, const QString& path, const QUrlQuery& query,
                        const QJsonDocument& body, const QObject* context, Done onDone, Fail onError);

    ApiClient* m_api;
};

} // namespace authshield::console
