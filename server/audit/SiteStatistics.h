#pragma once

#include "shared/Result.h"

#include <QDateTime>
#include <QList>

namespace authshield::server {

class Clock;
class Database;

struct LoginHour
{
    QDateTime hour; // start of the hour, UTC
    qint64 succeeded = 0;
    qint64 failed = 0;
};

struct SiteCounts
{
    qint64 usersTotal = 0;
    qint64 usersActive = 0;
    qint64 usersDisabled = 0;
    qint64 usersUnverified = 0;
    qint64 activeSessions = 0;
    QList<LoginHour> logins; // the last 24 hours, oldest first, the current hour last
    qint64 lockouts24h = 0;
};

// The console dashboard's numbers in a few aggregate queries (users by status, active sessions, and login
// outcomes and lockouts from the audit log by hour).
class SiteStatistics
{
public:
    SiteStatistics(const Database& database, const Clock& clock);
    Result<SiteCounts> counts() const;

private:
    const Database& m_database;
    const Clock& m_clock;
};

} // namespace authshield::server
