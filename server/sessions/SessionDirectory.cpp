#include "server/sessions/SessionDirectory.h"

#include "server/audit/AuditLog.h"
#include "server/core/Clock.h"
#include "server/sessions/SessionService.h"
#include "server/storage/Database.h"
#include "server/storage/PageCursor.h"
#include "server/storage/SqlQuery.h"
#include "server/storage/Transaction.h"

#include <QUuid>

namespace authshield::server {

namespace {
QDateTime fromMs(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC);
}
} // namespace

SessionDirectory::SessionDirectory(const Database& database, const Clock& clock, SessionService& sessions,
                                   const AuditLog& audit)
    : m_database(database)
    , m_clock(clock)
    , m_sessions(sessions)
    , m_audit(audit)
{
}

Result<SessionPage> SessionDirectory::list(const QString& userId, bool activeOnly, int limit,
                                           const QString& cursor) const
{
    SessionPage page;
    QStringList clauses;
    QList<QPair<QString, QVariant>> binds;
    const qint64 nowMs = m_clock.now().toMSecsSinceEpoch();
    if (!userId.isEmpty()) {
        if (QUuid::fromString(userId).isNull())
            return page; // no such user can exist
        clauses.append(QStringLiteral("s.user_id = :user"));
        binds.append({ QStringLiteral(":user"), userId });
    }
    if (activeOnly) {
        clauses.append(QStringLiteral("s.revoked_at IS NULL AND s.expires_at > :now AND s.idle_expires_at > :now"));
        binds.append({ QStringLiteral(":now"), nowMs });
    }
    if (!cursor.isEmpty()) {
        Result<QJsonObject> position = PageCursor::decode(cursor);
        if (!position)
            return position.error();
        const QString id = position->value(QStringLiteral("i")).toString();
        if (!position->value(QStringLiteral("c")).isDouble() || QUuid::fromString(id).isNull())
            return PageCursor::invalid();
        clauses.append(QStringLiteral("(s.created_at, s.id) < (:cc, :ci)"));
        binds.append({ QStringLiteral(":cc"), position->value(QStringLiteral("c")).toInteger() });
        binds.append({ QStringLiteral(":ci"), id });
    }
    QString sql = QStringLiteral(
        "SELECT s.id, s.user_id, s.created_at, s.last_seen_at, s.expires_at, s.idle_expires_at, s.ip, s.user_agent, "
        "s.device, s.revoked_at, s.revoke_reason, u.email FROM sessions s JOIN users u ON u.id = s.user_id");
    if (!clauses.isEmpty())
        sql += QStringLiteral(" WHERE ") + clauses.join(QStringLiteral(" AND "));
    sql += QStringLiteral(" ORDER BY s.created_at DESC, s.id DESC LIMIT %1").arg(limit + 1);
    SqlQuery rows = m_database.prepare(sql);
    for (const auto& [name, value] : std::as_const(binds))
        rows.bind(name, value);
    if (Result<void> read = rows.exec(); !read)
        return read.error();
    while (rows.next()) {
        SessionListing listing;
        Session& session = listing.session;
        session.id = rows.uuid(0);
        session.userId = rows.uuid(1);
        session.createdAt = fromMs(rows.int64(2));
        session.lastSeenAt = fromMs(rows.int64(3));
        session.expiresAt = fromMs(rows.int64(4));
        session.idleExpiresAt = fromMs(rows.int64(5));
        session.ip = rows.string(6);
        session.userAgent = rows.string(7);
        session.device = rows.string(8);
        if (const std::optional<qint64> revoked = rows.optionalInt64(9))
            session.revokedAt = fromMs(*revoked);
        session.revokeReason = rows.string(10);
        listing.userEmail = rows.string(11);
        page.items.append(std::move(listing));
    }
    if (page.items.size() > limit) {
        page.items.removeLast();
        const Session& last = page.items.constLast().session;
        page.nextCursor = PageCursor::encode(
            QJsonObject { { QStringLiteral("c"), last.createdAt.toMSecsSinceEpoch() }, { QStringLiteral("i"), last.id } });
    }
    return page;
}

Result<void> SessionDirectory::revoke(const QString& sessionId, const QString& actorId, const RequestOrigin& origin)
{
    const Error notFound = Error::make(ErrorCode::NotFound, QStringLiteral("no such active session"));
    if (QUuid::fromString(sessionId).isNull())
        return notFound;
    const QDateTime now = m_clock.now();
    Result<Transaction> tx = Transaction::begin(m_database);
    if (!tx)
        return tx.error();
    Result<std::optional<Session>> found = m_sessions.repository().find(sessionId, true);
    if (!found)
        return found.error();
    if (!found->has_value() || !(*found)->isActive(now))
        return notFound;
    if (Result<bool> revoked = m_sessions.repository().revoke(sessionId, QStringLiteral("admin"), now); !revoked)
        return revoked.error();
    AuditEvent event { QStringLiteral("admin.session.revoked"),
                       actorId,
                       (*found)->userId,
                       origin.ip,
                       origin.userAgent,
                       origin.requestId,
                       QStringLiteral("success"),
                       QJsonObject { { QStringLiteral("session_id"), sessionId } } };
    if (Result<qint64> recorded = m_audit.record(event); !recorded)
        return recorded.error();
    if (Result<void> committed = tx->commit(); !committed)
        return committed;
    m_sessions.pushRevoked({ sessionId });
    return success();
}

} // namespace authshield::server
