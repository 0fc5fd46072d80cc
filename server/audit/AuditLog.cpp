#include "server/audit/AuditLog.h"

#include "server/core/Clock.h"
#include "server/crypto/Sha256.h"
#include "server/storage/Database.h"
#include "server/storage/SqlQuery.h"
#include "server/storage/Transaction.h"

#include <QJsonDocument>

namespace authshield::server {

namespace {
// A safety net under the rule "never put credentials in audit details".
bool looksSecret(const QString& key)
{
    const QString lower = key.toLower();
    return lower.contains(QLatin1String("password")) || lower.contains(QLatin1String("token"))
        || lower.contains(QLatin1String("secret")) || lower.contains(QLatin1String("code"));
}

QJsonObject redacted(const QJsonObject& details)
{
    QJsonObject clean;
    for (auto it = details.begin(); it != details.end(); ++it) {
        if (looksSecret(it.key()) && it.key() != QLatin1String("reason_code"))
            clean.insert(it.key(), QStringLiteral("[redacted]"));
        else if (it.value().isObject())
            clean.insert(it.key(), redacted(it.value().toObject()));
        else
            clean.insert(it.key(), it.value());
    }
    return clean;
}
} // namespace

AuditLog::AuditLog(const Database& database, const Clock& clock)
    : m_database(database)
    , m_clock(clock)
{
}

QString AuditLog::genesisHash()
{
    return QString(64, QLatin1Char('0'));
}

QByteArray AuditLog::canonical(const StoredAuditEvent& stored)
{
    // QJsonObject keeps keys sorted, so the compact form is canonical.
    const AuditEvent& e = stored.event;
    const QJsonObject object{{QStringLiteral("seq"), QString::number(stored.seq)},
                             {QStringLiteral("time"), QString::number(stored.timeMs)},
                             {QStringLiteral("type"), e.type},
                             {QStringLiteral("actor_id"), e.actorId},
                             {QStringLiteral("subject_id"), e.subjectId},
                             {QStringLiteral("ip"), e.ip},
                             {QStringLiteral("user_agent"), e.userAgent},
                             {QStringLiteral("request_id"), e.requestId},
                             {QStringLiteral("outcome"), e.outcome},
                             {QStringLiteral("details"), e.details}};
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QString AuditLog::chainHash(const QString& prevHash, const StoredAuditEvent& stored)
{
    return QString::fromLatin1(Sha256::hash(prevHash.toLatin1() + canonical(stored)).toHex());
}

Result<qint64> AuditLog::record(AuditEvent event) const
{
    event.details = redacted(event.details);
    event.userAgent = event.userAgent.left(512);
    if (m_database.inTransaction())
        return append(event);
    Result<Transaction> transaction = Transaction::begin(m_database);
    if (!transaction)
        return transaction.error();
    Result<qint64> seq = append(event);
    if (!seq)
        return seq;
    if (Result<void> committed = transaction->commit(); !committed)
        return committed.error();
    return seq;
}

Result<qint64> AuditLog::append(AuditEvent& event) const
{
    if (const QString lock = m_database.dialect().lockAuditChain(); !lock.isEmpty()) {
        SqlQuery locking = m_database.prepare(lock);
        if (Result<void> locked = locking.exec(); !locked)
            return locked.error();
    }
    SqlQuery head = m_database.prepare(QStringLiteral("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1"));
    if (Result<void> read = head.exec(); !read)
        return read.error();
    StoredAuditEvent stored;
    stored.prevHash = genesisHash();
    stored.seq = 1;
    if (head.next()) {
        stored.seq = head.int64(0) + 1;
        stored.prevHash = head.string(1);
    }
    stored.timeMs = m_clock.now().toMSecsSinceEpoch();
    stored.event = event;
    stored.hash = chainHash(stored.prevHash, stored);

    SqlQuery insert = m_database.prepare(QStringLiteral(
        "INSERT INTO audit_events (seq, time, type, actor_id, subject_id, ip, user_agent, request_id, outcome, "
        "details, prev_hash, hash) VALUES (:seq, :time, :type, :actor, :subject, :ip, :ua, :rid, :outcome, "
        ":details, :prev, :hash)"));
    auto orNull = [&](const QString& placeholder, const QString& value) {
        if (value.isEmpty())
            insert.bindNull(placeholder);
        else
            insert.bind(placeholder, value);
    };
    insert.bind(QStringLiteral(":seq"), stored.seq).bind(QStringLiteral(":time"), stored.timeMs);
    insert.bind(QStringLiteral(":type"), event.type).bind(QStringLiteral(":outcome"), event.outcome);
    orNull(QStringLiteral(":actor"), event.actorId);
    orNull(QStringLiteral(":subject"), event.subjectId);
    orNull(QStringLiteral(":ip"), event.ip);
    orNull(QStringLiteral(":ua"), event.userAgent);
    orNull(QStringLiteral(":rid"), event.requestId);
    insert.bind(QStringLiteral(":details"),
                QString::fromUtf8(QJsonDocument(event.details).toJson(QJsonDocument::Compact)));
    insert.bind(QStringLiteral(":prev"), stored.prevHash).bind(QStringLiteral(":hash"), stored.hash);
    if (Result<void> inserted = insert.exec(); !inserted)
        return inserted.error();
    return stored.seq;
}

Result<AuditVerification> AuditLog::verify() const
{
    AuditVerification report;
    SqlQuery rows = m_database.prepare(QStringLiteral(
        "SELECT seq, time, type, actor_id, subject_id, ip, user_agent, request_id, outcome, details, prev_hash, hash "
        "FROM audit_events ORDER BY seq"));
    if (Result<void> read = rows.exec(); !read)
        return read.error();
    QString expectedPrev;
    qint64 expectedSeq = -1;
    while (rows.next()) {
        StoredAuditEvent stored;
        stored.seq = rows.int64(0);
        stored.timeMs = rows.int64(1);
        stored.event.type = rows.string(2);
        stored.event.actorId = rows.string(3);
        stored.event.subjectId = rows.string(4);
        stored.event.ip = rows.string(5);
        stored.event.userAgent = rows.string(6);
        stored.event.requestId = rows.string(7);
        stored.event.outcome = rows.string(8);
        stored.event.details = QJsonDocument::fromJson(rows.string(9).toUtf8()).object();
        stored.prevHash = rows.string(10);
        stored.hash = rows.string(11);
        // The first row may follow a pruned prefix (retention), so its prev_hash is taken as the anchor.
        const bool linkOk = expectedSeq < 0 || (stored.seq == expectedSeq && stored.prevHash == expectedPrev);
        if (!linkOk || chainHash(stored.prevHash, stored) != stored.hash) {
            report.ok = false;
            report.firstBrokenSeq = stored.seq;
            return report;
        }
        ++report.checked;
        expectedPrev = stored.hash;
        expectedSeq = stored.seq + 1;
    }
    return report;
}

} // namespace authshield::server
