#include "console/models/AdminRecords.h"

#include <QJsonArray>
#include <QJsonValue>

namespace authshield::console {

namespace {

QString text(const QJsonObject& object, const char* key)
{
    return object.value(QLatin1String(key)).toString();
}

QStringList strings(const QJsonValue& value)
{
    QStringList list;
    const QJsonArray array = value.toArray();
    for (const QJsonValue& entry : array)
        list.append(entry.toString());
    return list;
}

} // namespace

QDateTime parseApiTime(const QJsonValue& value)
{
    if (!value.isString())
        return {};
    QDateTime time = QDateTime::fromString(value.toString(), Qt::ISODateWithMs);
    if (!time.isValid())
        time = QDateTime::fromString(value.toString(), Qt::ISODate);
    return time;
}

QString relativeAge(const QDateTime& time, const QDateTime& now)
{
    if (!time.isValid())
        return QStringLiteral("never");
    const qint64 seconds = std::max<qint64>(0, time.secsTo(now));
    if (seconds < 60)
        return QStringLiteral("%1 s ago").arg(seconds);
    if (seconds < 3600)
        return QStringLiteral("%1 min ago").arg(seconds / 60);
    if (seconds < 86400)
        return QStringLiteral("%1 h ago").arg(seconds / 3600);
    return QStringLiteral("%1 d ago").arg(seconds / 86400);
}

AdminUser AdminUser::fromJson(const QJsonObject& object)
{
    AdminUser user;
    user.id = text(object, "id");
    user.email = text(object, "email");
    user.displayName = text(object, "display_name");
    user.status = text(object, "status");
    user.emailVerified = object.value(QLatin1String("email_verified")).toBool();
    user.locked = object.value(QLatin1String("locked")).toBool();
    user.lockedUntil = parseApiTime(object.value(QLatin1String("locked_until")));
    user.roles = strings(object.value(QLatin1String("roles")));
    user.createdAt = parseApiTime(object.value(QLatin1String("created_at")));
    user.lastLoginAt = parseApiTime(object.value(QLatin1String("last_login_at")));
    if (object.contains(QLatin1String("session_count")))
        user.sessionCount = object.value(QLatin1String("session_count")).toInt();
    if (object.value(QLatin1String("mfa_enabled")).isBool())
        user.mfaEnabled = object.value(QLatin1String("mfa_enabled")).toBool();
    return user;
}

AdminSession AdminSession::fromJson(const QJsonObject& object)
{
    AdminSession session;
    session.id = text(object, "id");
    session.userId = text(object, "user_id");
    session.userEmail = text(object, "user_email");
    session.createdAt = parseApiTime(object.value(QLatin1String("created_at")));
    session.lastSeenAt = parseApiTime(object.value(QLatin1String("last_seen_at")));
    session.ip = text(object, "ip");
    session.userAgent = text(object, "user_agent");
    session.device = text(object, "device");
    session.active = object.value(QLatin1String("active")).toBool();
    return session;
}

AdminRole AdminRole::fromJson(const QJsonObject& object)
{
    AdminRole role;
    role.name = text(object, "name");
    role.description = text(object, "description");
    role.builtin = object.value(QLatin1String("builtin")).toBool();
    role.permissions = strings(object.value(QLatin1String("permissions")));
    role.userCount = object.value(QLatin1String("user_count")).toInt();
    return role;
}

AdminPermission AdminPermission::fromJson(const QJsonObject& object)
{
    return AdminPermission{text(object, "name"), text(object, "description")};
}

AuditRecord AuditRecord::fromJson(const QJsonObject& object)
{
    AuditRecord record;
    const QJsonValue id = object.value(QLatin1String("id"));
    record.id = id.isString() ? id.toString() : QString::number(id.toInteger());
    record.seq = object.value(QLatin1String("seq")).toInteger();
    record.time = parseApiTime(object.value(QLatin1String("time")));
    record.type = text(object, "type");
    record.actorId = text(object, "actor_id");
    record.subjectId = text(object, "subject_id");
    record.ip = text(object, "ip");
    record.userAgent = text(object, "user_agent");
    record.requestId = text(object, "request_id");
    record.outcome = text(object, "outcome");
    record.details = object.value(QLatin1String("details")).toObject();
    record.raw = object;
    return record;
}

MfaState MfaState::fromJson(const QJsonObject& object)
{
    MfaState state;
    state.totpEnabled = object.value(QLatin1String("totp_enabled")).toBool();
    state.recoveryCodesRemaining = object.value(QLatin1String("recovery_codes_remaining")).toInt();
    state.enrolledAt = parseApiTime(object.value(QLatin1String("enrolled_at")));
    return state;
}

ChainVerification ChainVerification::fromJson(const QJsonObject& object)
{
    ChainVerification result;
    result.ok = object.value(QLatin1String("ok")).toBool();
    result.checked = object.value(QLatin1String("checked")).toInteger();
    const QJsonValue broken = object.value(QLatin1String("first_broken_seq"));
    if (broken.isDouble())
        result.firstBrokenSeq = broken.toInteger();
    return result;
}

} // namespace authshield::console
