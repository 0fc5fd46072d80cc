#pragma once

#include <QDateTime>
#include <QString>

#include <optional>

namespace authshield::server {

// One login: the refresh-token family and every access token issued from it share its id (the "sid" claim).
struct Session
{
    QString id;
    QString userId;
    QDateTime createdAt;
    QDateTime lastSeenAt;
    QDateTime expiresAt; // absolute end (refresh_ttl after login)
    QDateTime idleExpiresAt; // ends earlier when not refreshed within refresh_idle_ttl
    QString ip;
    QString userAgent;
    QString device;
    std::optional<QDateTime> revokedAt;
    QString revokeReason;

    bool isActive(const QDateTime& now) const { return !revokedAt && expiresAt > now && idleExpiresAt > now; }
};

} // namespace authshield::server
