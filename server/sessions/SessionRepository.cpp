#include "server/sessions/SessionRepository.h"

#include "server/storage/Database.h"
#include "server/storage/SqlQuery.h"
#include "server/storage/Transaction.h"

namespace authshield::server {

namespace {
const QString kColumns = QStringLiteral(
    "id, user_id, created_at, last_seen_at, expires_at, idle_expires_at, ip, user_agent, device, revoked_at, "
    "revoke_reason");

QDateTime fromMs(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC);
}

Session read(const SqlQuery& query)
{
    Session session;
    session.id = query.uuid(0);
    session.userId = query.uuid(1);
    session.createdAt = fromMs(query.int64(2));
    session.lastSeenAt = fromMs(query.int64(3));
    session.expiresAt = fromMs(query.int64(4));
    session.idleExpiresAt = fromMs(query.int64(5));
    session.ip = query.string(6);
    session.userAgent = query.string(7);
    session.device = query.string(8);
    if (const std::optional<qint64> revoked = query.optionalInt64(9))
        session.revokedAt = fromMs(*revoked);
    session.revokeReason = query.string(10);
    return session;
}
} // namespace

SessionRepository::SessionRepository(const Database& database)
    : m_database(database)
{
}

Result<void> SessionRepository::insert(const Session& session) const
{
    SqlQuery query = m_database.prepare(
        QStringLiteral("INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at, idle_expires_at, ip, "
                       "user_agent, device) VALUES (:id, :user_id, :created_at, :last_seen_at, :expires_at, "
                       ":idle_expires_at, :ip, :user_agent, :device)"));
    query.bind(QStringLiteral(":id"), session.id)
        .bind(QStringLiteral(":user_id"), session.userId)
        .bind(QStringLiteral(":created_at"), session.createdAt.toMSecsSinceEpoch())
        .bind(QStringLiteral(":last_seen_at"), session.lastSeenAt.toMSecsSinceEpoch())
        .bind(QStringLiteral(":expires_at"), session.expiresAt.toMSecsSinceEpoch())
        .bind(QStringLiteral(":idle_expires_at"), session.idleExpiresAt.toMSecsSinceEpoch())
        .bind(QStringLiteral(":ip"), session.ip)
        .bind(QStringLiteral(":user_agent"), session.userAgent)
        .bind(QStringLiteral(":device"), session.device);
    return query.exec();
}

Result<std::optional<Session>> SessionRepository::find(const QString& id, bool forUpdate) const
{
    SqlQuery query = m_database.prepare(QStringLiteral("SELECT ") + kColumns
                                        + QStringLiteral(" FROM sessions WHERE id = :id")
                                        + (forUpdate ? m_database.dialect().forUpdate() : QString()));
    query.bind(QStringLiteral(":id"), id);
    if (Result<void> executed = query.exec(); !executed)
        return executed.error();
    if (!query.next())
        return std::optional<Session>();
    return std::optional<Session>(read(query));
}

Result<QList<Session>> SessionRepository::listActive(const QString& userId, const QDateTime& now) const
{
    SqlQuery query = m_database.prepare(
        QStringLiteral("SELECT ") + kColumns
        + QStringLiteral(" FROM sessions WHERE user_id = :user_id AND revoked_at IS NULL AND expires_at > :now "
                         "AND idle_expires_at > :now ORDER BY created_at DESC, id"));
    query.bind(QStringLiteral(":user_id"), userId).bind(QStringLiteral(":now"), now.toMSecsSinceEpoch());
    if (Result<void> executed = query.exec(); !executed)
        return executed.error();
    QList<Session> sessions;
    while (query.next())
        sessions.append(read(query));
    return sessions;
}

Result<bool> SessionRepository::revoke(const QString& id, const QString& reason, const QDateTime& now) const
{
    const qint64 nowMs = now.toMSecsSinceEpoch();
    SqlQuery session = m_database.prepare(QStringLiteral(
        "UPDATE sessions SET revoked_at = :now, revoke_reason = :reason WHERE id = :id AND revoked_at IS NULL"));
    session.bind(QStringLiteral(":now"), nowMs).bind(QStringLiteral(":reason"), reason).bind(QStringLiteral(":id"), id);
    if (Result<void> executed = session.exec(); !executed)
        return executed.error();
    const bool changed = session.rowsAffected() > 0;
    SqlQuery tokens = m_database.prepare(QStringLiteral(
        "UPDATE refresh_tokens SET revoked_at = :now WHERE session_id = :id AND revoked_at IS NULL"));
    tokens.bind(QStringLiteral(":now"), nowMs).bind(QStringLiteral(":id"), id);
    if (Result<void> executed = tokens.exec(); !executed)
        return executed.error();
    return changed;
}

Result<QStringList> SessionRepository::revokeAll(const QString& userId, const QString& reason, const QDateTime& now,
                                                 const QString& exceptId) const
{
    SqlQuery select = m_database.prepare(QStringLiteral(
        "SELECT id FROM sessions WHERE user_id = :user_id AND revoked_at IS NULL AND expires_at > :now"));
    select.bind(QStringLiteral(":user_id"), userId).bind(QStringLiteral(":now"), now.toMSecsSinceEpoch());
    if (Result<void> executed = select.exec(); !executed)
        return executed.error();
    QStringList ids;
    while (select.next()) {
        const QString id = select.uuid(0);
        if (id != exceptId)
            ids.append(id);
    }
    for (const QString& id : std::as_const(ids)) {
        if (Result<bool> revoked = revoke(id, reason, now); !revoked)
            return revoked.error();
    }
    return ids;
}

Result<void> SessionRepository::extendIdle(const QString& id, const QDateTime& lastSeen,
                                           const QDateTime& idleExpiresAt) const
{
    SqlQuery query = m_database.prepare(QStringLiteral(
        "UPDATE sessions SET last_seen_at = :last_seen, idle_expires_at = :idle WHERE id = :id"));
    query.bind(QStringLiteral(":last_seen"), lastSeen.toMSecsSinceEpoch())
        .bind(QStringLiteral(":idle"), idleExpiresAt.toMSecsSinceEpoch())
        .bind(QStringLiteral(":id"), id);
    return query.exec();
}

Result<void> SessionRepository::touch(const QHash<QString, qint64>& lastSeen) const
{
    if (lastSeen.isEmpty())
        return success();
    Result<Transaction> tx = Transaction::begin(m_database);
    if (!tx)
        return tx.error();
    for (auto it = lastSeen.constBegin(); it != lastSeen.constEnd(); ++it) {
        SqlQuery query = m_database.prepare(QStringLiteral(
            "UPDATE sessions SET last_seen_at = :seen WHERE id = :id AND last_seen_at < :seen"));
        query.bind(QStringLiteral(":seen"), it.value()).bind(QStringLiteral(":id"), it.key());
        if (Result<void> executed = query.exec(); !executed)
            return executed;
    }
    return tx->commit();
}

} // namespace authshield::server
