#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace authshield::console {

// The admin API's items as the console reads them. Times arrive as ISO-8601 UTC; missing ones stay invalid.

struct AdminUser
{
    QString id;
    QString email;
    QString displayName;
    QString status; // "active" | "disabled"
    bool emailVerified = false;
    bool locked = false;
    QDateTime lockedUntil;
    QStringList roles;
    QDateTime createdAt;
    QDateTime lastLoginAt;
    int sessionCount = -1; // detail only; -1 = not sent
    std::optional<bool> mfaEnabled; // detail only

    static AdminUser fromJson(const QJsonObject& object);
};

struct AdminSession
{
    QString id;
    QString userId;
    QString userEmail;
    QDateTime createdAt;
    QDateTime lastSeenAt;
    QString ip;
    QString userAgent;
    QString device;
    bool active = false;

    static AdminSession fromJson(const QJsonObject& object);
};

struct AdminRole
{
    QString name;
    QString description;
    bool builtin = false;
    QStringList permissions;
    int userCount = 0;

    static AdminRole fromJson(const QJsonObject& object);
};

struct AdminPermission
{
    QString name;
    QString description;

    static AdminPermission fromJson(const QJsonObject& object);
};

struct AuditRecord
{
    QString id;
    qint64 seq = 0;
    QDateTime time;
    QString type;
    QString actorId;
    QString subjectId;
    QString ip;
    QString userAgent;
    QString requestId;
    QString outcome;
    QJsonObject details;
    QJsonObject raw; // the event as the server sent it, for the detail view

    static AuditRecord fromJson(const QJsonObject& object);
};

struct MfaState
{
    bool totpEnabled = false;
    int recoveryCodesRemaining = 0;
    QDateTime enrolledAt;

    static MfaState fromJson(const QJsonObject& object);
};

struct ChainVerification
{
    bool ok = false;
    qint64 checked = 0;
    std::optional<qint64> firstBrokenSeq;

    static ChainVerification fromJson(const QJsonObject& object);
};

// One page of a keyset-paged list; an empty nextCursor means the list is complete.
template<typename T>
struct AdminPage
{
    QList<T> items;
    QString nextCursor;
};

QDateTime parseApiTime(const QJsonValue& value);

// "3 min ago", "2 h ago", "5 d ago" relative to now; "never" for an invalid time.
QString relativeAge(const QDateTime& time, const QDateTime& now);

} // namespace authshield::console
