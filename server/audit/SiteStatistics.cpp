#include "server/audit/SiteStatistics.h"

#include "server/core/Clock.h"
#include "server/storage/Database.h"
#include "server/storage/SqlQuery.h"

namespace authshield::server {

namespace {
constexpr qint64 kHourMs = 3600 * 1000;
}

SiteStatistics::SiteStatistics(const Database& database, const Clock& clock)
    : m_database(database)
    , m_clock(clock)
{
}

Result<SiteCounts> SiteStatistics::counts() const
{
    SiteCounts counts;
    const qint64 nowMs = m_clock.now().toMSecsSinceEpoch();
    SqlQuery users = m_database.prepare(QStringLiteral(
        "SELECT status, email_verified, COUNT(*) FROM users GROUP BY status, email_verified"));
    if (Result<void> read = users.exec(); !read)
        return read.error();
    while (users.next()) {
        const qint64 n = users.int64(2);
        counts.usersTotal += n;
        if (users.string(0) == QLatin1String("active"))
            counts.usersActive += n;
        else
            counts.usersDisabled += n;
        if (!users.boolean(1))
            counts.usersUnverified += n;
    }
    SqlQuery sessions = m_database.prepare(QStringLiteral(
        "SELECT COUNT(*) FROM sessions WHERE revoked_at IS NULL AND expires_at > :now AND idle_expires_at > :now"));
    sessions.bind(QStringLiteral(":now"), nowMs);
    if (Result<void> read = sessions.exec(); !read)
        return read.error();
    counts.activeSessions = sessions.next() ? sessions.int64(0) : 0;

    const qint64 currentHour = nowMs / kHourMs;
    const qint64 firstHour = currentHour - 23;
    for (qint64 hour = firstHour; hour <= currentHour; ++hour)
        counts.logins.append(LoginHour { QDateTime::fromMSecsSinceEpoch(hour * kHourMs, Qt::UTC), 0, 0 });
    SqlQuery logins = m_database.prepare(QStringLiteral(
        "SELECT type, time / 3600000, COUNT(*) FROM audit_events WHERE type IN ('auth.login.succeeded', "
        "'auth.login.failed', 'auth.lockout') AND time >= :since GROUP BY type, time / 3600000"));
    logins.bind(QStringLiteral(":since"), firstHour * kHourMs);
    if (Result<void> read = logins.exec(); !read)
        return read.error();
    while (logins.next()) {
        const qint64 index = logins.int64(1) - firstHour;
        const qint64 n = logins.int64(2);
        const QString type = logins.string(0);
        if (type == QLatin1String("auth.lockout")) {
            counts.lockouts24h += n;
            continue;
        }
        if (index < 0 || index >= counts.logins.size())
            continue;
        if (type == QLatin1String("auth.login.succeeded"))
            counts.logins[index].succeeded += n;
        else
            counts.logins[index].failed += n;
    }
    return counts;
}

} // namespace authshield::server
