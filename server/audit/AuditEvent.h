#pragma once

#include <QJsonObject>
#include <QString>

namespace authshield::server {

// One security event or admin action. Types are dotted names: auth.login.succeeded, auth.login.failed,
// auth.refresh.reused, admin.user.updated, settings.smtp.changed …
struct AuditEvent
{
    QString type;
    QString actorId; // who did it (user id), empty for anonymous
    QString subjectId; // whom or what it concerned
    QString ip;
    QString userAgent;
    QString requestId;
    QString outcome = QStringLiteral("success"); // success | failure
    QJsonObject details; // reasons and ids; never passwords, tokens or secrets (redacted if a key looks like one)
};

// Who asked, as recorded on every event of a request.
struct RequestOrigin
{
    QString ip;
    QString userAgent;
    QString requestId;
};

struct StoredAuditEvent
{
    qint64 seq = 0;
    qint64 timeMs = 0;
    AuditEvent event;
    QString prevHash;
    QString hash;
};

} // namespace authshield::server
