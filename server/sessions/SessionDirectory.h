#pragma once

#include "server/audit/AuditEvent.h"
#include "server/sessions/Session.h"
#include "shared/Result.h"

#include <QList>
#include <QString>

namespace authshield::server {

class AuditLog;
class Clock;
class Database;
class SessionService;

struct SessionListing
{
    Session session;
    QString userEmail;
};

struct SessionPage
{
    QList<SessionListing> items; // newest first
    QString nextCursor;
};

// Every user's sessions for the admin API: listing (by user, active only), keyset-paged by (created_at, id)
// newest first, and revoking any one session through the normal revocation path (database, then the push
// to every instance).
class SessionDirectory
{
public:
    SessionDirectory(const Database& database, const Clock& clock, SessionService& sessions, const AuditLog& audit);

    Result<SessionPage> list(const QString& userId, bool activeOnly, int limit, const QString& cursor) const;
    // NotFound for an unknown or already ended session. Audited as admin.session.revoked.
    Result<void> revoke(const QString& sessionId, const QString& actorId, const RequestOrigin& origin);

private:
    const Database& m_database;
    const Clock& m_clock;
    SessionService& m_sessions;
    const AuditLog& m_audit;
};

} // namespace authshield::server
