#include "server/sessions/SessionService.h"

#include "server/audit/AuditLog.h"
#include "server/core/Clock.h"
#include "server/sessions/RevocationList.h"
#include "server/storage/Database.h"
#include "server/storage/Transaction.h"

#include <QJsonArray>
#include <QMutexLocker>

#include <optional>

namespace authshield::server {

SessionService::SessionService(const Database& database, const Clock& clock, RevocationList& revocations,
                               const AuditLog& audit)
    : m_database(database)
    , m_clock(clock)
    , m_revocations(revocations)
    , m_audit(audit)
    , m_repository(database)
{
}

Result<QList<Session>> SessionService::listActive(const QString& userId) const
{
    return m_repository.listActive(userId, m_clock.now());
}

Result<void> SessionService::revoke(const QString& userId, const QString& sessionId, const QString& reason,
                                    const RequestOrigin& origin)
{
    const Error notFound = Error::make(ErrorCode::NotFound, QStringLiteral("no such session"));
    const QDateTime now = m_clock.now();
    Result<Transaction> tx = Transaction::begin(m_database);
    if (!tx)
        return tx.error();
    Result<std::optional<Session>> found = m_repository.find(sessionId, true);
    if (!found)
        return found.error();
    if (!found->has_value() || (*found)->userId != userId || !(*found)->isActive(now))
        return notFound;
    if (Result<bool> revoked = m_repository.revoke(sessionId, reason, now); !revoked)
        return revoked.error();
    AuditEvent event{QStringLiteral("auth.session.revoked"), userId, userId, origin.ip, origin.userAgent,
                     origin.requestId, QStringLiteral("success"),
                     QJsonObject{{QStringLiteral("session_id"), sessionId}, {QStringLiteral("reason"), reason}}};
    if (Result<qint64> recorded = m_audit.record(event); !recorded)
        return recorded.error();
    if (Result<void> committed = tx->commit(); !committed)
        return committed;
    pushRevoked({sessionId});
    return success();
}

Result<QStringList> SessionService::revokeAll(const QString& userId, const QString& reason,
                                              const RequestOrigin& origin, const QString& exceptSessionId)
{
    std::optional<Transaction> tx;
    if (!m_database.inTransaction()) {
        Result<Transaction> begun = Transaction::begin(m_database);
        if (!begun)
            return begun.error();
        tx.emplace(std::move(begun).value());
    }
    Result<QStringList> revoked = m_repository.revokeAll(userId, reason, m_clock.now(), exceptSessionId);
    if (!revoked)
        return revoked;
    QJsonObject details{{QStringLiteral("reason"), reason}, {QStringLiteral("count"), revoked->size()}};
    if (!exceptSessionId.isEmpty())
        details.insert(QStringLiteral("kept_session_id"), exceptSessionId);
    AuditEvent event{QStringLiteral("auth.sessions.revoked_all"), userId, userId, origin.ip, origin.userAgent,
                     origin.requestId, QStringLiteral("success"), details};
    if (Result<qint64> recorded = m_audit.record(event); !recorded)
        return recorded.error();
    if (tx) {
        if (Result<void> committed = tx->commit(); !committed)
            return committed.error();
    }
    // Inside a caller's transaction this runs before its commit: a rollback then leaves sessions refused that
    // the database still calls active — the safe direction.
    pushRevoked(*revoked);
    return revoked;
}

void SessionService::pushRevoked(const QStringList& sessionIds)
{
    for (const QString& id : sessionIds)
        (void)m_revocations.revokeSession(id); // a failed push is logged; others resynchronise from the database
}

void SessionService::touch(const QString& sessionId)
{
    const qint64 nowMs = m_clock.now().toMSecsSinceEpoch();
    QMutexLocker locker(&m_touchMutex);
    auto last = m_lastTouched.find(sessionId);
    if (last != m_lastTouched.end() && nowMs - last.value() < std::chrono::milliseconds(kTouchInterval).count())
        return;
    m_lastTouched.insert(sessionId, nowMs);
    m_pendingTouches.insert(sessionId, nowMs);
}

Result<void> SessionService::flushLastSeen()
{
    QHash<QString, qint64> pending;
    {
        const qint64 nowMs = m_clock.now().toMSecsSinceEpoch();
        const qint64 intervalMs = std::chrono::milliseconds(kTouchInterval).count();
        QMutexLocker locker(&m_touchMutex);
        pending.swap(m_pendingTouches);
        m_lastTouched.removeIf([&](const QHash<QString, qint64>::iterator& it) { return nowMs - it.value() >= intervalMs; });
    }
    return m_repository.touch(pending);
}

} // namespace authshield::server
