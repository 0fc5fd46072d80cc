#pragma once

#include "server/audit/AuditEvent.h"
#include "server/sessions/Session.h"
#include "server/sessions/SessionRepository.h"
#include "shared/Result.h"

#include <QHash>
#include <QMutex>
#include <QString>
#include <QStringList>

#include <chrono>

namespace authshield::server {

class AuditLog;
class Clock;
class Database;
class RevocationList;

// A user's sessions: listing, revoking one or all (the database first, then the push to every instance), and
// last_seen_at kept cheaply: the auth guard calls touch() on every request, which only records the time in
// memory at most once a minute per session; flushLastSeen() (a timer) writes the batch.
class SessionService
{
public:
    static constexpr std::chrono::seconds kTouchInterval{60};

    SessionService(const Database& database, const Clock& clock, RevocationList& revocations, const AuditLog& audit);

    const SessionRepository& repository() const { return m_repository; }
    RevocationList& revocations() { return m_revocations; }

    Result<QList<Session>> listActive(const QString& userId) const;
    // Only the owner's own active session; anything else (another user's, unknown, already ended) is NotFound,
    // so ids of other people's sessions cannot be probed.
    Result<void> revoke(const QString& userId, const QString& sessionId, const QString& reason,
                        const RequestOrigin& origin);
    // Joins the caller's transaction when one is open on this thread. Returns the revoked ids (pushed already).
    Result<QStringList> revokeAll(const QString& userId, const QString& reason, const RequestOrigin& origin,
                                  const QString& exceptSessionId = {});
    // After the database change committed: every instance refuses the sessions' access tokens.
    void pushRevoked(const QStringList& sessionIds);

    void touch(const QString& sessionId);
    Result<void> flushLastSeen();

private:
    const Database& m_database;
    const Clock& m_clock;
    RevocationList& m_revocations;
    const AuditLog& m_audit;
    SessionRepository m_repository;
    QMutex m_touchMutex;
    QHash<QString, qint64> m_lastTouched; // sid → epoch ms of the last recorded touch
    QHash<QString, qint64> m_pendingTouches;
};

} // namespace authshield::server
