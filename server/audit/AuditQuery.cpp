#include "server/audit/AuditQuery.h"

#include "server/storage/Database.h"
#include "server/storage/PageCursor.h"
#include "server/storage/SqlDialect.h"
#include "server/storage/SqlQuery.h"

#include <QHostAddress>
#include <QJsonDocument>

#include <limits>

namespace authshield::server {

namespace {
Error badParameter(const QString& name, const QString& reason)
{
    Error error = Error::make(ErrorCode::ValidationFailed, QStringLiteral("the audit filter is not valid"));
    error.fields.insert(name, reason);
    return error;
}

std::optional<QDateTime> parseTime(const QString& text)
{
    QDateTime time = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!time.isValid())
        time = QDateTime::fromString(text, Qt::ISODate);
    if (!time.isValid())
        return std::nullopt;
    return time.toUTC();
}

QJsonValue orNull(const QString& text)
{
    return text.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(text);
}

QByteArray csvField(const QString& text)
{
    QByteArray bytes = text.toUtf8();
    // A leading = + - @ would be a formula in a spreadsheet: quote-prefix it (OWASP CSV injection).
    if (!bytes.isEmpty() && QByteArrayLiteral("=+-@\t\r").contains(bytes.at(0)))
        bytes.prepend('\'');
    if (bytes.contains(',') || bytes.contains('"') || bytes.contains('\n') || bytes.contains('\r')) {
        bytes.replace('"', QByteArrayLiteral("\"\""));
        return '"' + bytes + '"';
    }
    return bytes;
}
} // namespace

AuditQuery::AuditQuery(const Database& database)
    : m_database(database)
{
}

Result<AuditFilter> AuditQuery::parseFilter(const QString& type, const QString& actor, const QString& subject,
                                            const QString& ip, const QString& from, const QString& to)
{
    AuditFilter filter;
    if (type.size() > 200)
        return badParameter(QStringLiteral("type"), QStringLiteral("too long"));
    if (actor.size() > 200)
        return badParameter(QStringLiteral("actor"), QStringLiteral("too long"));
    if (subject.size() > 200)
        return badParameter(QStringLiteral("subject"), QStringLiteral("too long"));
    if (!ip.isEmpty() && QHostAddress(ip).isNull())
        return badParameter(QStringLiteral("ip"), QStringLiteral("must be an IP address"));
    filter.type = type;
    filter.actorId = actor;
    filter.subjectId = subject;
    filter.ip = ip;
    if (!from.isEmpty()) {
        filter.from = parseTime(from);
        if (!filter.from)
            return badParameter(QStringLiteral("from"), QStringLiteral("must be an ISO-8601 time"));
    }
    if (!to.isEmpty()) {
        filter.to = parseTime(to);
        if (!filter.to)
            return badParameter(QStringLiteral("to"), QStringLiteral("must be an ISO-8601 time"));
    }
    return filter;
}

Result<QList<StoredAuditEvent>> AuditQuery::select(const AuditFilter& filter, const QString& seqCondition,
                                                   qint64 seqBound, bool newestFirst, int limit) const
{
    QStringList clauses;
    QList<QPair<QString, QVariant>> binds;
    if (!filter.type.isEmpty()) {
        if (filter.type.endsWith(QLatin1Char('*'))) {
            clauses.append(QStringLiteral("type LIKE :type ESCAPE '\\'"));
            binds.append({ QStringLiteral(":type"), SqlDialect::escapeLike(filter.type.chopped(1)) + QStringLiteral("%") });
        } else {
            clauses.append(QStringLiteral("type = :type"));
            binds.append({ QStringLiteral(":type"), filter.type });
        }
    }
    if (!filter.actorId.isEmpty()) {
        clauses.append(QStringLiteral("actor_id = :actor"));
        binds.append({ QStringLiteral(":actor"), filter.actorId });
    }
    if (!filter.subjectId.isEmpty()) {
        clauses.append(QStringLiteral("subject_id = :subject"));
        binds.append({ QStringLiteral(":subject"), filter.subjectId });
    }
    if (!filter.ip.isEmpty()) {
        clauses.append(QStringLiteral("ip = :ip"));
        binds.append({ QStringLiteral(":ip"), filter.ip });
    }
    if (filter.from) {
        clauses.append(QStringLiteral("time >= :from"));
        binds.append({ QStringLiteral(":from"), filter.from->toMSecsSinceEpoch() });
    }
    if (filter.to) {
        clauses.append(QStringLiteral("time < :to"));
        binds.append({ QStringLiteral(":to"), filter.to->toMSecsSinceEpoch() });
    }
    if (!seqCondition.isEmpty()) {
        clauses.append(seqCondition);
        binds.append({ QStringLiteral(":seq"), seqBound });
    }
    QString sql = QStringLiteral("SELECT seq, time, type, actor_id, subject_id, ip, user_agent, request_id, outcome, "
                                 "details, prev_hash, hash FROM audit_events");
    if (!clauses.isEmpty())
        sql += QStringLiteral(" WHERE ") + clauses.join(QStringLiteral(" AND "));
    sql += QStringLiteral(" ORDER BY seq %1 LIMIT %2").arg(newestFirst ? QStringLiteral("DESC") : QStringLiteral("ASC")).arg(limit);
    SqlQuery rows = m_database.prepare(sql);
    for (const auto& [name, value] : std::as_const(binds))
        rows.bind(name, value);
    if (Result<void> read = rows.exec(); !read)
        return read.error();
    QList<StoredAuditEvent> events;
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
        events.append(std::move(stored));
    }
    return events;
}

Result<AuditPage> AuditQuery::page(const AuditFilter& filter, int limit, const QString& cursor) const
{
    QString condition;
    qint64 bound = 0;
    if (!cursor.isEmpty()) {
        Result<QJsonObject> position = PageCursor::decode(cursor);
        if (!position)
            return position.error();
        const QJsonValue seq = position->value(QStringLiteral("seq"));
        if (!seq.isDouble())
            return PageCursor::invalid();
        condition = QStringLiteral("seq < :seq");
        bound = seq.toInteger();
    }
    Result<QList<StoredAuditEvent>> rows = select(filter, condition, bound, true, limit + 1);
    if (!rows)
        return rows.error();
    AuditPage page;
    page.items = std::move(rows).value();
    if (page.items.size() > limit) {
        page.items.removeLast();
        page.nextCursor = PageCursor::encode(QJsonObject { { QStringLiteral("seq"), page.items.constLast().seq } });
    }
    return page;
}

Result<QList<StoredAuditEvent>> AuditQuery::batch(const AuditFilter& filter, qint64 afterSeq, int limit) const
{
    return select(filter, QStringLiteral("seq > :seq"), afterSeq, false, limit);
}

AuditExport::AuditExport(const AuditQuery& query, AuditFilter filter, Format format)
    : m_query(query)
    , m_filter(std::move(filter))
    , m_format(format)
    , m_afterSeq(std::numeric_limits<qint64>::min())
{
}

Result<QByteArray> AuditExport::next()
{
    if (m_done)
        return QByteArray();
    QByteArray chunk;
    if (!m_headerSent && m_format == Format::Csv)
        chunk = csvHeader();
    m_headerSent = true;
    Result<QList<StoredAuditEvent>> rows = m_query.batch(m_filter, m_afterSeq, kBatchSize);
    if (!rows)
        return rows.error();
    for (const StoredAuditEvent& event : std::as_const(*rows))
        chunk += m_format == Format::Csv ? csvRow(event) : ndjsonRow(event);
    if (rows->size() < kBatchSize)
        m_done = true;
    else
        m_afterSeq = rows->constLast().seq;
    return chunk;
}

QByteArray AuditExport::csvHeader()
{
    return QByteArrayLiteral("seq,time,type,actor_id,subject_id,ip,user_agent,request_id,outcome,details,hash\r\n");
}

QByteArray AuditExport::csvRow(const StoredAuditEvent& event)
{
    QByteArray row;
    row.reserve(256);
    row += QByteArray::number(event.seq) + ',';
    row += QDateTime::fromMSecsSinceEpoch(event.timeMs, Qt::UTC).toString(Qt::ISODateWithMs).toLatin1() + ',';
    row += csvField(event.event.type) + ',';
    row += csvField(event.event.actorId) + ',';
    row += csvField(event.event.subjectId) + ',';
    row += csvField(event.event.ip) + ',';
    row += csvField(event.event.userAgent) + ',';
    row += csvField(event.event.requestId) + ',';
    row += csvField(event.event.outcome) + ',';
    row += csvField(QString::fromUtf8(QJsonDocument(event.event.details).toJson(QJsonDocument::Compact))) + ',';
    row += event.hash.toLatin1() + "\r\n";
    return row;
}

QJsonObject AuditExport::eventJson(const StoredAuditEvent& event)
{
    return QJsonObject { { QStringLiteral("id"), QString::number(event.seq) },
                         { QStringLiteral("seq"), event.seq },
                         { QStringLiteral("time"),
                           QDateTime::fromMSecsSinceEpoch(event.timeMs, Qt::UTC).toString(Qt::ISODateWithMs) },
                         { QStringLiteral("type"), event.event.type },
                         { QStringLiteral("actor_id"), orNull(event.event.actorId) },
                         { QStringLiteral("subject_id"), orNull(event.event.subjectId) },
                         { QStringLiteral("ip"), orNull(event.event.ip) },
                         { QStringLiteral("user_agent"), orNull(event.event.userAgent) },
                         { QStringLiteral("request_id"), orNull(event.event.requestId) },
                         { QStringLiteral("outcome"), event.event.outcome },
                         { QStringLiteral("details"), event.event.details } };
}

QByteArray AuditExport::ndjsonRow(const StoredAuditEvent& event)
{
    QJsonObject object = eventJson(event);
    object.insert(QStringLiteral("hash"), event.hash);
    return QJsonDocument(object).toJson(QJsonDocument::Compact) + '\n';
}

} // namespace authshield::server
