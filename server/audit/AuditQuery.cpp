#include "server/audit/AuditQuery.h"

#include "server/storage/Database.h"
#include "server/storage/PageCursor.h"
#include "server/storage/SqlDialect.h"
#include "server/storage/SqlQuery.h"

#include <QHostAddress>
#include <QJsonDocument>

#include <cstdio>
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

// Empty strings are null (as in eventJson()).
void appendJsonString(QByteArray& out, const QString& text, bool emptyIsNull)
{
    if (text.isEmpty() && emptyIsNull) {
        out += "null";
        return;
    }
    const QByteArray utf8 = text.toUtf8();
    out += '"';
    for (const char c : utf8) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20) {
            static const char hex[] = "0123456789abcdef";
            out += "\\u00";
            out += hex[byte >> 4];
            out += hex[byte & 0xf];
        } else {
            out += c;
        }
    }
    out += '"';
}

// yyyy-MM-ddTHH:mm:ss.zzzZ without QDateTime (the export formats one per row).
QByteArray isoMs(qint64 ms)
{
    const qint64 days = ms >= 0 ? ms / 86400000 : (ms - 86399999) / 86400000;
    const qint64 rest = ms - days * 86400000;
    const QDate date = QDate(1970, 1, 1).addDays(days);
    char buffer[32];
    const int length = std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", date.year(),
                                     date.month(), date.day(), int(rest / 3600000), int(rest / 60000 % 60),
                                     int(rest / 1000 % 60), int(rest % 1000));
    return QByteArray(buffer, length);
}

StoredAuditEvent toStored(const AuditRow& row)
{
    StoredAuditEvent stored;
    stored.seq = row.seq;
    stored.timeMs = row.timeMs;
    stored.event.type = row.type;
    stored.event.actorId = row.actorId;
    stored.event.subjectId = row.subjectId;
    stored.event.ip = row.ip;
    stored.event.userAgent = row.userAgent;
    stored.event.requestId = row.requestId;
    stored.event.outcome = row.outcome;
    stored.event.details = QJsonDocument::fromJson(row.details.toUtf8()).object();
    stored.hash = row.hash;
    return stored;
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

Result<QList<AuditRow>> AuditQuery::select(const AuditFilter& filter, const QString& seqCondition,
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
    QList<AuditRow> events;
    events.reserve(limit);
    while (rows.next()) {
        AuditRow row;
        row.seq = rows.int64(0);
        row.timeMs = rows.int64(1);
        row.type = rows.string(2);
        row.actorId = rows.string(3);
        row.subjectId = rows.string(4);
        row.ip = rows.string(5);
        row.userAgent = rows.string(6);
        row.requestId = rows.string(7);
        row.outcome = rows.string(8);
        row.details = rows.string(9);
        row.hash = rows.string(11);
        events.append(std::move(row));
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
    Result<QList<AuditRow>> rows = select(filter, condition, bound, true, limit + 1);
    if (!rows)
        return rows.error();
    AuditPage page;
    for (const AuditRow& row : std::as_const(*rows))
        page.items.append(toStored(row));
    if (page.items.size() > limit) {
        page.items.removeLast();
        page.nextCursor = PageCursor::encode(QJsonObject { { QStringLiteral("seq"), page.items.constLast().seq } });
    }
    return page;
}

Result<QList<StoredAuditEvent>> AuditQuery::batch(const AuditFilter& filter, qint64 afterSeq, int limit) const
{
    Result<QList<AuditRow>> rows = rawBatch(filter, afterSeq, limit);
    if (!rows)
        return rows.error();
    QList<StoredAuditEvent> events;
    for (const AuditRow& row : std::as_const(*rows))
        events.append(toStored(row));
    return events;
}

Result<QList<AuditRow>> AuditQuery::rawBatch(const AuditFilter& filter, qint64 afterSeq, int limit) const
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
    Result<QList<AuditRow>> rows = m_query.rawBatch(m_filter, m_afterSeq, kBatchSize);
    if (!rows)
        return rows.error();
    chunk.reserve(chunk.size() + rows->size() * 400);
    for (const AuditRow& row : std::as_const(*rows)) {
        if (m_format == Format::Csv)
            appendCsvRow(chunk, row);
        else
            appendNdjsonRow(chunk, row);
    }
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

void AuditExport::appendCsvRow(QByteArray& out, const AuditRow& row)
{
    out += QByteArray::number(row.seq);
    out += ',';
    out += isoMs(row.timeMs);
    for (const QString* field : { &row.type, &row.actorId, &row.subjectId, &row.ip, &row.userAgent, &row.requestId,
                                  &row.outcome, &row.details }) {
        out += ',';
        out += csvField(*field);
    }
    out += ',';
    out += row.hash.toLatin1();
    out += "\r\n";
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

// The same object as eventJson() plus hash, written directly: the export's hot loop builds no QJsonObject and
// copies the stored details text as is (it is compact JSON written by AuditLog).
void AuditExport::appendNdjsonRow(QByteArray& out, const AuditRow& row)
{
    out += "{\"id\":\"";
    out += QByteArray::number(row.seq);
    out += "\",\"seq\":";
    out += QByteArray::number(row.seq);
    out += ",\"time\":\"";
    out += isoMs(row.timeMs);
    out += "\",\"type\":";
    appendJsonString(out, row.type, false);
    out += ",\"actor_id\":";
    appendJsonString(out, row.actorId, true);
    out += ",\"subject_id\":";
    appendJsonString(out, row.subjectId, true);
    out += ",\"ip\":";
    appendJsonString(out, row.ip, true);
    out += ",\"user_agent\":";
    appendJsonString(out, row.userAgent, true);
    out += ",\"request_id\":";
    appendJsonString(out, row.requestId, true);
    out += ",\"outcome\":";
    appendJsonString(out, row.outcome, false);
    out += ",\"details\":";
    const QByteArray details = row.details.toUtf8();
    out += details.startsWith('{') ? details : QByteArrayLiteral("{}");
    out += ",\"hash\":\"";
    out += row.hash.toLatin1();
    out += "\"}\n";
}

} // namespace authshield::server
