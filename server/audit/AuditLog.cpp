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
    qint64 firstSeq = 0;
    QString firstPrev;
    std::optional<QJsonObject> latestPrune;
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
        // The first row is checked against its anchor once the latest prune event is known (below).
        const bool linkOk = expectedSeq < 0 || (stored.seq == expectedSeq && stored.prevHash == expectedPrev);
        if (!linkOk || chainHash(stored.prevHash, stored) != stored.hash) {
            report.ok = false;
            report.firstBrokenSeq = stored.seq;
            return report;
        }
        if (expectedSeq < 0) {
            firstSeq = stored.seq;
            firstPrev = stored.prevHash;
        }
        if (stored.event.type == QLatin1String("audit.pruned"))
            latestPrune = stored.event.details;
        ++report.checked;
        expectedPrev = stored.hash;
        expectedSeq = stored.seq + 1;
    }
    if (report.checked > 0) {
        const bool anchored = latestPrune
            ? (firstSeq == static_cast<qint64>(latestPrune->value(QStringLiteral("to_seq")).toDouble()) + 1
               && firstPrev == latestPrune->value(QStringLiteral("anchor_hash")).toString())
            : (firstSeq == 1 && firstPrev == genesisHash());
        if (!anchored) {
            report.ok = false;
            report.firstBrokenSeq = firstSeq;
            report.checked = 0;
        }
    }
    return report;
}

Result<AuditPruneReport> AuditLog::prune(const QDateTime& cutoff) const
{
    AuditPruneReport report;
    Result<Transaction> transaction = Transaction::begin(m_database);
    if (!transaction)
        return transaction.error();
    if (const QString lock = m_database.dialect().lockAuditChain(); !lock.isEmpty()) {
        if (Result<void> locked = m_database.prepare(lock).exec(); !locked)
            return locked.error();
    }
    SqlQuery range = m_database.prepare(QStringLiteral(
        "SELECT (SELECT MIN(seq) FROM audit_events), (SELECT MAX(seq) FROM audit_events), "
        "(SELECT MAX(seq) FROM audit_events WHERE time < :cutoff)"));
    range.bind(QStringLiteral(":cutoff"), cutoff.toMSecsSinceEpoch());
    if (Result<void> read = range.exec(); !read)
        return read.error();
    if (!range.next())
        return report;
    const std::optional<qint64> first = range.optionalInt64(0);
    const std::optional<qint64> last = range.optionalInt64(1);
    const std::optional<qint64> oldEnough = range.optionalInt64(2);
    if (!first || !last || !oldEnough)
        return report;
    // The newest event stays, so the chain always has a head to continue from.
    const qint64 toSeq = std::min(*oldEnough, *last - 1);
    if (toSeq < *first)
        return report;

    SqlQuery anchorQuery = m_database.prepare(QStringLiteral("SELECT hash FROM audit_events WHERE seq = :seq"));
    anchorQuery.bind(QStringLiteral(":seq"), toSeq);
    if (Result<void> read = anchorQuery.exec(); !read)
        return read.error();
    if (!anchorQuery.next())
        return Error::make(ErrorCode::Internal, QStringLiteral("audit chain has a gap at seq %1").arg(toSeq));
    const QString anchor = anchorQuery.string(0);

    for (const QString& statement : m_database.dialect().beginAuditPrune()) {
        if (Result<void> done = m_database.exec(statement); !done)
            return done.error();
    }
    SqlQuery remove = m_database.prepare(QStringLiteral("DELETE FROM audit_events WHERE seq <= :to"));
    remove.bind(QStringLiteral(":to"), toSeq);
    if (Result<void> removed = remove.exec(); !removed)
        return removed.error();
    report.deleted = toSeq - *first + 1; // seq is gap-free (verify() checks it)
    for (const QString& statement : m_database.dialect().endAuditPrune()) {
        if (Result<void> done = m_database.exec(statement); !done)
            return done.error();
    }
    report.fromSeq = *first;
    report.toSeq = toSeq;

    AuditEvent event;
    event.type = QStringLiteral("audit.pruned");
    event.details = QJsonObject{{QStringLiteral("from_seq"), report.fromSeq},
                                {QStringLiteral("to_seq"), report.toSeq},
                                {QStringLiteral("deleted"), report.deleted},
                                {QStringLiteral("anchor_hash"), anchor},
                                {QStringLiteral("cutoff"), cutoff.toMSecsSinceEpoch()}};
    Result<qint64> seq = append(event);
    if (!seq)
        return seq.error();
    report.prunedEventSeq = *seq;
    if (Result<void> committed = transaction->commit(); !committed)
        return committed.error();
    return report;
}

} // namespace authshield::server
