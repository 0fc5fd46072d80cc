#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QPair>
#include <QSet>
#include <QString>
#include <QStringList>

#include <optional>

namespace authshield::server {

// Who is calling, as established by the auth guard from a verified access token.
struct Principal
{
    QString userId;
    QString sessionId;
    QString tokenId; // jti
    QStringList roles;
    QSet<QString> permissions;
    QDateTime tokenExpiresAt;

    bool hasPermission(const QString& permission) const { return permissions.contains(permission); }
};

// Per-request state that guards produce and handlers read.
struct RequestContext
{
    std::optional<Principal> principal;
    QList<QPair<QByteArray, QByteArray>> responseHeaders; // e.g. RateLimit-* set by the rate-limit guard
};

} // namespace authshield::server
