#include "server/mail/MailOutbox.h"

#include "server/core/Clock.h"
#include "server/storage/Database.h"
#include "server/storage/SqlQuery.h"
#include "server/storage/Transaction.h"

#include <QUuid>

#include <optional>

namespace authshield::server {

namespace {
constexpr int kMaxErrorLength = 500;
} // namespace

MailOutbox::MailOutbox(const Database& database, const Clock& clock)
    : m_database(database)
    , m_clock(clock)
{
}

void MailOutbox::setWakeHandler(std::function<void()> handler)
{
    std::lock_guard lock(m_wakeMutex);
    m_wake = std::move(handler);
}

void MailOutbox::wake() const
{
    std::lock_guard lock(m_wakeMutex);
    if (m_wake)
        m_wake();
}

Result<QString> MailOutbox::enqueue(const MailMessage& message) const
{
    const QString id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    const qint64 now = m_clock.now().toMSecsSinceEpoch();
    SqlQuery insert = m_database.prepare(QStringLiteral(
        "INSERT INTO mail_outbox (id, created_at, to_address, subject, body_text, body_html, template, status, "
        "attempts, next_attempt_at) VALUES (:id, :now, :to, :subject, :text, :html, :template, 'pending', 0, :now)"));
    insert.bind(QStringLiteral(":id"), id).bind(QStringLiteral(":now"), now);
    insert.bind(QStringLiteral(":to"), message.to).bind(QStringLiteral(":subject"), message.subject);
    insert.bind(QStringLiteral(":text"), message.text).bind(QStringLiteral(":html"), message.html);
    insert.bind(QStringLiteral(":template"), message.templateName);
    if (Result<void> inserted = insert.exec(); !inserted)
        return inserted.error();
    return id;
}

Result<QList<MailOutbox::Claimed>> MailOutbox::claimDue(const QString& workerId, int limit,
                                                        std::chrono::milliseconds lease) const
{
    const qint64 now = m_clock.now().toMSecsSinceEpoch();
    // Runs in its own transaction: the claim must be committed before the slow delivery starts.
    std::optional<Transaction> ownTransaction;
    if (!m_database.inTransaction()) {
        Result<Transaction> begun = Transaction::begin(m_database);
        if (!begun)
            return begun.error();
        ownTransaction.emplace(std::move(begun).value());
    }
    SqlQuery claim = m_database.prepare(
        QStringLiteral(
            "UPDATE mail_outbox SET status = 'sending', locked_until = :lease, locked_by = :worker, "
            "attempts = attempts + 1 WHERE id IN (SELECT id FROM mail_outbox WHERE "
            "(status = 'pending' AND next_attempt_at <= :now) OR (status = 'sending' AND locked_until < :now) "
            "ORDER BY next_attempt_at, created_at LIMIT :limit ")
        + m_database.dialect().forUpdateSkipLocked()
        + QStringLiteral(") RETURNING id, created_at, to_address, subject, body_text, body_html, template, attempts"));
    claim.bind(QStringLiteral(":lease"), now + lease.count()).bind(QStringLiteral(":worker"), workerId);
    claim.bind(QStringLiteral(":now"), now).bind(QStringLiteral(":limit"), limit);
    if (Result<void> claimed = claim.exec(); !claimed)
        return claimed.error();
    QList<Claimed> rows;
    while (claim.next()) {
        Claimed row;
        row.mail.id = claim.uuid(0);
        row.mail.createdAt = QDateTime::fromMSecsSinceEpoch(claim.int64(1), Qt::UTC);
        row.mail.message.to = claim.string(2);
        row.mail.message.subject = claim.string(3);
        row.mail.message.text = claim.string(4);
        row.mail.message.html = claim.string(5);
        row.mail.message.templateName = claim.string(6);
        row.attempts = static_cast<int>(claim.int64(7));
        rows.append(std::move(row));
    }
    if (ownTransaction) {
        if (Result<void> committed = ownTransaction->commit(); !committed)
            return committed.error();
    }
    return rows;
}

Result<bool> MailOutbox::finish(const QString& sql, const QString& id, const QString& workerId, qint64 nextAttemptAt,
                                const QString& error) const
{
    SqlQuery update = m_database.prepare(sql);
    update.bind(QStringLiteral(":id"), id).bind(QStringLiteral(":worker"), workerId);
    if (sql.contains(QLatin1String(":now")))
        update.bind(QStringLiteral(":now"), m_clock.now().toMSecsSinceEpoch());
    if (sql.contains(QLatin1String(":next")))
        update.bind(QStringLiteral(":next"), nextAttemptAt);
    if (sql.contains(QLatin1String(":error")))
        update.bind(QStringLiteral(":error"), error.left(kMaxErrorLength));
    if (Result<void> updated = update.exec(); !updated)
        return updated.error();
    return update.rowsAffected() == 1;
}

Result<bool> MailOutbox::markSent(const QString& id, const QString& workerId) const
{
    return finish(QStringLiteral("UPDATE mail_outbox SET status = 'sent', sent_at = :now, locked_until = NULL, "
                                 "locked_by = NULL, last_error = NULL "
                                 "WHERE id = :id AND status = 'sending' AND locked_by = :worker"),
                  id, workerId, 0, {});
}

Result<bool> MailOutbox::markRetry(const QString& id, const QString& workerId, std::chrono::milliseconds delay,
                                   const QString& error) const
{
    return finish(QStringLiteral("UPDATE mail_outbox SET status = 'pending', next_attempt_at = :next, "
                                 "locked_until = NULL, locked_by = NULL, last_error = :error "
                                 "WHERE id = :id AND status = 'sending' AND locked_by = :worker"),
                  id, workerId, m_clock.now().toMSecsSinceEpoch() + delay.count(), error);
}

Result<bool> MailOutbox::markFailed(const QString& id, const QString& workerId, const QString& error) const
{
    return finish(QStringLiteral("UPDATE mail_outbox SET status = 'failed', locked_until = NULL, locked_by = NULL, "
                                 "last_error = :error WHERE id = :id AND status = 'sending' AND locked_by = :worker"),
                  id, workerId, 0, error);
}

void MailOutbox::releaseThreadConnection() const
{
    m_database.releaseThreadConnection();
}

Result<OutboxDepth> MailOutbox::depth() const
{
    SqlQuery count = m_database.prepare(QStringLiteral(
        "SELECT status, COUNT(*) FROM mail_outbox WHERE status IN ('pending', 'sending', 'failed') GROUP BY status"));
    if (Result<void> counted = count.exec(); !counted)
        return counted.error();
    OutboxDepth depth;
    while (count.next()) {
        const QString status = count.string(0);
        (status == QLatin1String("failed") ? depth.failed : depth.pending) += count.int64(1);
    }
    return depth;
}

} // namespace authshield::server
